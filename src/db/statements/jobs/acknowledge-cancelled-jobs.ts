import type { Job } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import type { JobOutcomeInput } from "./finish-jobs.js";
import { heldByActorParams, heldByActorSql, type WorkerActor } from "../workers/worker-actor.js";
import { JOB_COLUMNS, jobFromRow, type JobSqlRow } from "./job-row.js";

/**
 * A worker reports on jobs that were CANCELLED while it held them: the status
 * stays CANCELLED, the report (exit code, message, output) is kept, the lease
 * ends and cancel_requested is cleared, so heartbeats stop naming the job.
 * Guarded on the worker (and the principal acting as it) and on
 * cancel_requested (the cancel not yet acknowledged). The attempt row ends as
 * cancelled.
 * The cancel's own message (its reason) is kept when there is one. A release
 * carries no exit code or output and leaves those as they were.
 */
export async function acknowledgeCancelledJobs(
  sql: SqlExecutor,
  actor: WorkerActor,
  outcomes: ReadonlyArray<Pick<JobOutcomeInput, "jobId" | "exitCode" | "message" | "outputTail"> & { readonly success: boolean | null }>,
  kind: "finish" | "release",
): Promise<Job[]> {
  if (outcomes.length === 0) return [];
  const report =
    kind === "finish"
      ? `exit_code = v.exit_code, output_tail = v.output_tail, message = case when j.message = '' then v.message else j.message end,`
      : `message = case when j.message = '' then v.message else j.message end,`;
  const rows = await sql.query<JobSqlRow>(
    `with u as (
       update job j set ${report} cancel_requested = false, lease_expires_at = null, finished_at = coalesce(j.finished_at, now()), updated_at = now()
       from jsonb_to_recordset(?::jsonb) as v(id bigint, success boolean, exit_code int, message text, output_tail text)
       where j.id = v.id and j.id = any(array[?]::bigint[]) and ${heldByActorSql("j")} and j.status = 'cancelled' and j.cancel_requested
       returning j.*, v.success
     ), attempt as (
       update job_attempt a set finished_at = now(), outcome = 'cancelled', success = u.success,
              exit_code = ${kind === "finish" ? "u.exit_code" : "a.exit_code"}, message = u.message, output_tail = ${kind === "finish" ? "u.output_tail" : "a.output_tail"}
       from u where a.job_id = u.id and a.number = u.runs
     )
     select ${JOB_COLUMNS} from u j join task t on t.id = j.task_id`,
    [JSON.stringify(outcomes.map((o) => ({ id: o.jobId, success: o.success, exit_code: o.exitCode, message: o.message, output_tail: o.outputTail }))), outcomes.map((o) => o.jobId), ...heldByActorParams(actor)],
  );
  return rows.map(jobFromRow);
}
