import type { AttemptOutcome, JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** What a reader or a refused send needs to know of an attempt's output. */
export interface OutputAttemptState {
  readonly projectId: number;
  readonly jobStatus: JobStatus;
  /** The job's latest attempt (0: never claimed). */
  readonly latest: number;
  /** Null when the job has no such attempt. */
  readonly attempt: {
    readonly number: number;
    readonly outcome: AttemptOutcome;
    readonly workerId: string | null;
    readonly size: number;
    readonly stored: number;
    readonly seq: number;
    /** FinishJob's tail, for attempts whose worker did not stream. */
    readonly outputTail: string;
  } | null;
}

/**
 * A job's attempt (0: its latest) with its output bookkeeping; null when the
 * job does not exist.
 */
export async function selectOutputAttempt(sql: SqlExecutor, jobId: number, attempt: number): Promise<OutputAttemptState | null> {
  const rows = await sql.query<{
    project_id: number;
    status: JobStatus;
    runs: number;
    number: number | null;
    outcome: AttemptOutcome | null;
    worker_id: string | null;
    output_size: number | null;
    output_stored: number | null;
    output_seq: number | null;
    output_tail: string | null;
  }>(
    `select j.project_id, j.status, j.runs, a.number, a.outcome, a.worker_id, a.output_size, a.output_stored, a.output_seq, a.output_tail
     from job j left join job_attempt a on a.job_id = j.id and a.number = case when ? = 0 then j.runs else ? end
     where j.id = ?`,
    [attempt, attempt, jobId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    projectId: r.project_id,
    jobStatus: r.status,
    latest: r.runs,
    attempt:
      r.number === null
        ? null
        : {
            number: r.number,
            outcome: r.outcome!,
            workerId: r.worker_id,
            size: r.output_size ?? 0,
            stored: r.output_stored ?? 0,
            seq: r.output_seq ?? 0,
            outputTail: r.output_tail ?? "",
          },
  };
}
