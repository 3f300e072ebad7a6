import type { AttemptOutcome, JobAttempt, SchedulerJob } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** Every attempt of a job, oldest first; null when the job does not exist. */
export async function listJobAttempts(sql: SqlExecutor, jobId: number): Promise<JobAttempt[] | null> {
  const rows = await sql.query<{
    job_id: number | null;
    number: number;
    worker_id: string | null;
    worker_name: string;
    worker_host: string;
    claimed_at: Date;
    started_at: Date | null;
    finished_at: Date | null;
    outcome: AttemptOutcome;
    command: string;
    accelerator_ids: string[];
    success: boolean | null;
    exit_code: number | null;
    message: string;
    output_tail: string;
    scheduler: string | null;
    scheduler_job_id: string | null;
    scheduler_cluster: string;
    scheduler_output_path: string;
    scheduler_run_dir: string;
  }>(`select a.* from job j left join job_attempt a on a.job_id = j.id where j.id = ? order by a.number`, [jobId]);
  if (rows.length === 0) return null;
  return rows
    .filter((r) => r.job_id !== null)
    .map((r) => ({
      jobId: r.job_id!,
      number: r.number,
      workerId: r.worker_id,
      workerName: r.worker_name,
      workerHost: r.worker_host,
      claimedAt: r.claimed_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      outcome: r.outcome,
      command: r.command,
      acceleratorIds: r.accelerator_ids ?? [],
      success: r.success,
      exitCode: r.exit_code,
      message: r.message,
      outputTail: r.output_tail,
      schedulerJob: r.scheduler_job_id === null ? null : schedulerJobOf(r),
    }));
}

function schedulerJobOf(r: { scheduler: string | null; scheduler_job_id: string | null; scheduler_cluster: string; scheduler_output_path: string; scheduler_run_dir: string }): SchedulerJob {
  return { scheduler: r.scheduler ?? "", id: r.scheduler_job_id ?? "", cluster: r.scheduler_cluster, outputPath: r.scheduler_output_path, runDir: r.scheduler_run_dir };
}
