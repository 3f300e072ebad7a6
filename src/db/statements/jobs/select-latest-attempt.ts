import type { AttemptOutcome } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** How a worker's latest attempt at a job ended, for recognising a repeated report. */
export interface WorkerAttempt {
  readonly jobId: number;
  readonly number: number;
  readonly outcome: AttemptOutcome;
  readonly success: boolean | null;
  readonly exitCode: number | null;
}

/** The latest attempt of each of these jobs made by this worker (jobs it never ran are left out). */
export async function selectLatestAttempts(sql: SqlExecutor, workerId: string, jobIds: readonly number[]): Promise<WorkerAttempt[]> {
  if (jobIds.length === 0) return [];
  const rows = await sql.query<{ job_id: number; number: number; outcome: AttemptOutcome; success: boolean | null; exit_code: number | null }>(
    `select distinct on (job_id) job_id, number, outcome, success, exit_code from job_attempt
     where worker_id = ? and job_id = any(array[?]::bigint[])
     order by job_id, number desc`,
    [workerId, [...jobIds]],
  );
  return rows.map((r) => ({ jobId: r.job_id, number: r.number, outcome: r.outcome, success: r.success, exitCode: r.exit_code }));
}
