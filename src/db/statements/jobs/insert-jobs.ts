import type { Job } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import { insertFieldsRecord, JOB_INSERT_COLUMNS, type JobInsertFields } from "./job-insert.js";
import { jobFromRow, type JobSqlRow } from "./job-row.js";

/** A row to insert. Its task is resolved in the statement (by id or by name in the project). */
export interface JobInsert extends JobInsertFields {
  /** A drawn id (batches draw theirs first), or null to take the next from the sequence. */
  readonly id: number | null;
  readonly taskId: number | null;
  readonly taskName: string | null;
  /** The sweep and the canonical hash of the parameters in it; null for a job of no sweep. */
  readonly sweepId: number | null;
  readonly paramsHash: string | null;
  /** The job's own expected duration; null takes the task's. */
  readonly expectedSeconds: number | null;
  /**
   * The task's command as the caller checked the parameters against it: the
   * row is inserted only while the task's command is still this one. Absent:
   * no such guard (the caller read the task in this transaction, or checks
   * nothing).
   */
  readonly checkedTemplate?: string;
}

/**
 * The insert, returning whole rows (returnJobs) or only their ids. ON CONFLICT
 * DO NOTHING is written only when a row may meet a unique index other than
 * the primary key (an idempotency key or a sweep's parameter hash): it makes
 * each row's insert a speculative one, checked against every unique index
 * first, which a batch of plain jobs does not need.
 */
const insertSql = (returnWhole: boolean, mayConflict: boolean) => `with v as materialized (
     select x.*, coalesce(x.id, nextval('job_id_seq')) as new_id
     from jsonb_to_recordset(?::jsonb) as x(i int, id bigint, task_id bigint, task_name text, name text, parameters jsonb,
                                           priority int, status text, max_attempts int, unmet_dependencies int, idempotency_key text,
                                           sweep_id bigint, params_hash text, expected_seconds int, checked_template text)
     order by x.i
   ), ins as (
     insert into job ${JOB_INSERT_COLUMNS}
     select v.new_id, p.id, t.id, v.name, v.parameters, v.priority, v.status, v.max_attempts, v.unmet_dependencies,
            t.required_cpu, t.required_accelerators, v.idempotency_key, v.sweep_id, v.params_hash, coalesce(v.expected_seconds, t.expected_seconds)
     from v join project p on p.id = ? and p.status = 'active'
     join task t on t.project_id = p.id and (t.id = v.task_id or t.name = v.task_name)
       and (v.checked_template is null or t.command_template = v.checked_template)
     order by v.i
     ${mayConflict ? "on conflict do nothing" : ""}
     returning ${returnWhole ? "*" : "id"}
   )`;

/**
 * Inserts jobs of an active project in one statement, in the order given (ids
 * keep that order). Rows whose task is not in the project (or whose command
 * is no longer the one checked), whose idempotency
 * key is taken, or whose parameters their sweep already has (any unique
 * conflict) are not inserted; an archived or missing project
 * takes none. With `returnJobs` the inserted jobs come back by their index in
 * `rows`; without, only how many were inserted (a batch knows its ids).
 */
export async function insertJobs(sql: SqlExecutor, projectId: number, rows: readonly JobInsert[], returnJobs: true): Promise<Map<number, Job>>;
export async function insertJobs(sql: SqlExecutor, projectId: number, rows: readonly JobInsert[], returnJobs: false): Promise<number>;
export async function insertJobs(sql: SqlExecutor, projectId: number, rows: readonly JobInsert[], returnJobs: boolean): Promise<Map<number, Job> | number> {
  const payload = JSON.stringify(
    rows.map((r, i) => ({
      i,
      id: r.id,
      task_id: r.taskId,
      task_name: r.taskName,
      ...insertFieldsRecord(r),
      sweep_id: r.sweepId,
      params_hash: r.paramsHash,
      expected_seconds: r.expectedSeconds,
      checked_template: r.checkedTemplate ?? null,
    })),
  );
  const mayConflict = rows.some((r) => r.idempotencyKey !== null || r.paramsHash !== null);
  if (!returnJobs) {
    const [counted] = await sql.query<{ n: number }>(`${insertSql(false, mayConflict)} select count(*) as n from ins`, [payload, projectId]);
    return counted?.n ?? 0;
  }
  const inserted = await sql.query<JobSqlRow & { item: number }>(
    `${insertSql(true, mayConflict)}
     select v.i as item, ins.*, t.name as task_name, t.command_template, '{}'::bigint[] as depends_on
     from v join ins on ins.id = v.new_id join task t on t.id = ins.task_id`,
    [payload, projectId],
  );
  return new Map(inserted.map((r) => [r.item, jobFromRow(r)]));
}
