import { BLOCKING_STATUSES_SQL, type Job } from "../../../domain/job.js";
import type { TaskRef } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { JOB_INSERT_COLUMNS } from "./job-insert.js";
import { jobFromRow, type JobSqlRow } from "./job-row.js";

/** A job that depends on existing jobs of its project. */
export interface DependentJobInsert {
  readonly task: TaskRef;
  readonly name: string;
  readonly parameters: Record<string, unknown>;
  readonly priority: number;
  readonly maxAttempts: number;
  readonly idempotencyKey: string | null;
  /** The job's own expected duration; null takes the task's. */
  readonly expectedSeconds: number | null;
  /** Ids of existing jobs; no duplicates, at least one. */
  readonly dependsOn: readonly number[];
}

/**
 * Creates one job with its dependency edges in a single statement (no
 * explicit transaction). The dependencies are read FOR SHARE, so a concurrent
 * FinishJob either committed before (and is counted as met) or waits and then
 * sees the new edges. The job starts BLOCKED when a dependency blocks, and
 * counts the unmet ones. Nothing is inserted (null) when the project is not
 * active, the task is not in it, a dependency is missing or in another
 * project, or the idempotency key is taken: the caller finds out which.
 */
export async function insertJobWithDependencies(sql: SqlExecutor, projectId: number, job: DependentJobInsert): Promise<Job | null> {
  const taskMatch = "id" in job.task ? `t.id = ?` : `t.name = ?`;
  const rows = await sql.query<JobSqlRow>(
    // The dependencies are looked up by primary key (unnest … join), whatever the planner thinks of the table's size.
    `with deps as (
       select job.id, job.project_id, job.status from unnest(array[?]::bigint[]) as wanted(id) join job on job.id = wanted.id for share of job
     ), ins as (
       insert into job ${JOB_INSERT_COLUMNS}
       select nextval('job_id_seq'), p.id, t.id, ?, ?::jsonb, ?,
              case when exists (select 1 from deps where status in ${BLOCKING_STATUSES_SQL}) then 'blocked' else 'pending' end,
              ?, (select count(*) from deps where status <> 'completed'), t.required_cpu, t.required_accelerators, ?,
              null, null, coalesce(?::int, t.expected_seconds)
       from project p join task t on t.project_id = p.id and ${taskMatch}
       where p.id = ? and p.status = 'active' and (select count(*) from deps where project_id = p.id) = ?
       on conflict do nothing
       returning *
     ), edges as (
       insert into job_dependency (job_id, depends_on_id) select ins.id, deps.id from ins cross join deps
     )
     select ins.*, t.name as task_name, t.command_template, array(select id from deps order by id) as depends_on
     from ins join task t on t.id = ins.task_id`,
    [
      [...job.dependsOn],
      job.name,
      JSON.stringify(job.parameters),
      job.priority,
      job.maxAttempts,
      job.idempotencyKey,
      job.expectedSeconds,
      "id" in job.task ? job.task.id : job.task.name,
      projectId,
      job.dependsOn.length,
    ],
  );
  return rows[0] ? jobFromRow(rows[0]) : null;
}
