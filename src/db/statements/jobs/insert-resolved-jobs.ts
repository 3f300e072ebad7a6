import type { SqlExecutor } from "../../executor.js";
import { insertFieldsRecord, JOB_INSERT_COLUMNS, type JobInsertFields } from "./job-insert.js";

/** A row whose id was drawn and whose task the caller read in the same transaction. */
export interface ResolvedJobInsert extends JobInsertFields {
  readonly id: number;
  readonly taskId: number;
  /** The task's requirements, copied onto the job (so that a claim needs no join). */
  readonly requiredCpu: number;
  readonly requiredAccelerators: number;
  /** The job's own expected duration, or its task's; null when neither knows. */
  readonly expectedSeconds: number | null;
}

/**
 * Inserts a batch whose tasks, ids and dependency counts the caller worked
 * out in this transaction: one plain insert, with no task join, sort or
 * returned rows (a thousand rows insert about a fifth faster than through
 * insertJobs), nothing at all when the project is no longer active, and ON
 * CONFLICT DO NOTHING only when a row has an idempotency key. Returns how
 * many rows were inserted.
 */
export async function insertResolvedJobs(sql: SqlExecutor, projectId: number, rows: readonly ResolvedJobInsert[]): Promise<number> {
  if (rows.length === 0) return 0;
  const mayConflict = rows.some((r) => r.idempotencyKey !== null);
  const [counted] = await sql.query<{ n: number }>(
    `with ins as (
       insert into job ${JOB_INSERT_COLUMNS}
       select x.id, p.id, x.task_id, x.name, x.parameters, x.priority, x.status, x.max_attempts, x.unmet_dependencies,
              x.required_cpu, x.required_accelerators, x.idempotency_key, null, null, x.expected_seconds
       from jsonb_to_recordset(?::jsonb) as x(id bigint, task_id bigint, name text, parameters jsonb, priority int, status text, max_attempts int,
                                             unmet_dependencies int, idempotency_key text, required_cpu int, required_accelerators int, expected_seconds int)
       join project p on p.id = ? and p.status = 'active'
       ${mayConflict ? "on conflict do nothing" : ""}
       returning 1
     )
     select count(*)::int as n from ins`,
    [
      JSON.stringify(
        rows.map((r) => ({
          id: r.id,
          task_id: r.taskId,
          ...insertFieldsRecord(r),
          required_cpu: r.requiredCpu,
          required_accelerators: r.requiredAccelerators,
          expected_seconds: r.expectedSeconds,
        })),
      ),
      projectId,
    ],
  );
  return counted?.n ?? 0;
}
