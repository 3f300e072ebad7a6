import type { Job } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import { heldByActorParams, heldByActorSql, type WorkerActor } from "../workers/worker-actor.js";
import { endGivenBackAttemptsSql, GIVE_BACK_SET } from "./give-back.js";
import { JOB_COLUMNS, jobFromRow, type JobSqlRow } from "./job-row.js";

/**
 * QUEUED/RUNNING → PENDING without using an attempt (graceful stop,
 * preemption): the attempt the claim counted is given back and the lease
 * cleared; the attempt row ends as released, or preempted (with the
 * checkpoint the next attempt starts from, when one is given). Unless the
 * worker left the attempt's scheduler job running for the next one
 * (schedulerJobLeft), the next claim does not inherit it. Guarded on the lease
 * holder (and the principal acting as it) and the status. Returns the rows changed.
 */
export async function releaseJobs(
  sql: SqlExecutor,
  actor: WorkerActor,
  jobIds: readonly number[],
  message: string,
  preemption: { preempted: boolean; checkpoint: string; schedulerJobLeft?: boolean } = { preempted: false, checkpoint: "" },
): Promise<Job[]> {
  if (jobIds.length === 0) return [];
  const rows = await sql.query<JobSqlRow>(
    `with u as (
       update job j set ${GIVE_BACK_SET}, message = ?, checkpoint = case when ? = '' then j.checkpoint else ? end, updated_at = now()
       where j.id = any(array[?]::bigint[]) and ${heldByActorSql("j")} and j.status in ('queued', 'running')
       returning j.*
     ), attempt as (
       ${endGivenBackAttemptsSql("u", "?", "scheduler_job_stopped = not ?::boolean")}
     )
     select ${JOB_COLUMNS} from u j join task t on t.id = j.task_id`,
    [message, preemption.checkpoint, preemption.checkpoint, [...jobIds], ...heldByActorParams(actor), preemption.preempted ? "preempted" : "released", preemption.schedulerJobLeft ?? false],
  );
  return rows.map(jobFromRow);
}
