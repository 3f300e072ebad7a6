import type { Job } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import { JOB_COLUMNS, jobFromRow, type JobSqlRow } from "./job-row.js";

/** One job to start and the command the worker runs for it. */
export interface JobStartInput {
  readonly jobId: number;
  readonly command: string;
}

/**
 * QUEUED → RUNNING for the jobs the worker holds, in one statement; the guard
 * (worker_id and status in the WHERE clause) makes the database refuse anyone
 * but the lease holder. Starting also renews the lease. Returns the rows that
 * changed; the caller explains the others.
 */
export async function startJobs(sql: SqlExecutor, workerId: string, starts: readonly JobStartInput[], leaseSeconds: number): Promise<Job[]> {
  if (starts.length === 0) return [];
  const rows = await sql.query<JobSqlRow>(
    `with u as (
       update job j set status = 'running', command = v.command, started_at = now(),
         lease_expires_at = now() + make_interval(secs => ?), updated_at = now()
       from jsonb_to_recordset(?::jsonb) as v(id bigint, command text)
       where j.id = v.id and j.id = any(array[?]::bigint[]) and j.worker_id = ? and j.status = 'queued'
       returning j.*
     )
     select ${JOB_COLUMNS} from u j join task t on t.id = j.task_id`,
    [leaseSeconds, JSON.stringify(starts.map((s) => ({ id: s.jobId, command: s.command }))), starts.map((s) => s.jobId), workerId],
  );
  return rows.map(jobFromRow);
}
