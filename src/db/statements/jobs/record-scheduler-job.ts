import type { Job, SchedulerJob } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import { heldByActorParams, heldByActorSql, type WorkerActor } from "../workers/worker-actor.js";
import { JOB_COLUMNS, jobFromRow, type JobSqlRow } from "./job-row.js";

/**
 * The scheduler job the lease holder submitted for a QUEUED or RUNNING job,
 * onto the job's current attempt (a repeated report overwrites it with the
 * same). Guarded on the lease holder (and the principal acting as it) and
 * the status; the job row is locked so a release or finish cannot slip in
 * between. Returns the job, or null when the guard refused.
 */
export async function recordSchedulerJob(sql: SqlExecutor, actor: WorkerActor, jobId: number, schedulerJob: SchedulerJob): Promise<Job | null> {
  const rows = await sql.query<JobSqlRow>(
    `with u as (
       select j.* from job j
       where j.id = ? and ${heldByActorSql("j")} and j.status in ('queued', 'running')
       for update of j
     ), attempt as (
       update job_attempt a set scheduler = ?, scheduler_job_id = ?, scheduler_cluster = ?, scheduler_output_path = ?, scheduler_run_dir = ?,
         scheduler_job_stopped = false
       from u where a.job_id = u.id and a.number = u.runs
       returning a.job_id
     )
     select ${JOB_COLUMNS} from u j join task t on t.id = j.task_id where exists (select 1 from attempt)`,
    [jobId, ...heldByActorParams(actor), schedulerJob.scheduler, schedulerJob.id, schedulerJob.cluster, schedulerJob.outputPath, schedulerJob.runDir],
  );
  return rows[0] ? jobFromRow(rows[0]) : null;
}
