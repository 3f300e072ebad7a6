import type { Job } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import { heldByActorParams, heldByActorSql, type WorkerActor } from "../workers/worker-actor.js";
import { JOB_COLUMNS, jobFromRow, type JobSqlRow } from "./job-row.js";

/** How a leased job ended, as its worker reports it. */
export interface JobOutcomeInput {
  readonly jobId: number;
  readonly success: boolean;
  readonly exitCode: number | null;
  readonly message: string;
  readonly outputTail: string;
}

/** The longest retry delay, whatever the attempt number. */
export const RETRY_BACKOFF_CAP_SECONDS = 3600;

/**
 * The retry delay after the given attempt as a SQL expression over the job's
 * columns: base · 2^(attempts − 1), at most RETRY_BACKOFF_CAP_SECONDS.
 * attempts is at least 1 for a job that was claimed.
 */
export function backoffIntervalSql(alias: string, baseSeconds: number): string {
  const base = Number(baseSeconds);
  return `make_interval(secs => least(power(2, greatest(${alias}.attempts - 1, 0)) * ${base}, ${RETRY_BACKOFF_CAP_SECONDS}))`;
}

/**
 * QUEUED/RUNNING → COMPLETED, FAILED, or PENDING again (a failure with attempts
 * left, not claimable before the backoff ends), in one statement for the whole
 * batch, guarded on the lease holder (and the principal acting as it) and the
 * status; the attempt row records the outcome. Returns the rows changed.
 *
 * With `onlyWithoutDependents`, jobs flagged has_dependents are left as they
 * are (the caller finishes those in a transaction that also does their
 * dependency work). The ids go through a sub-select (`array(select
 * unnest(…))`) so that a custom plan cannot count them and look cheaper than
 * the generic plan, which PostgreSQL then keeps (test/claim-plan.test.ts).
 * The rows are locked in id order first, as
 * markDependedOn locks them, so the two never deadlock; a row whose flag was
 * set while this statement waited for its lock is re-read with the flag and
 * left alone.
 */
export async function finishJobs(
  sql: SqlExecutor,
  actor: WorkerActor,
  outcomes: readonly JobOutcomeInput[],
  backoffBaseSeconds: number,
  opts: { onlyWithoutDependents: boolean },
): Promise<Job[]> {
  if (outcomes.length === 0) return [];
  const retry = `(not v.success and j.attempts < j.max_attempts)`;
  const ids = outcomes.map((o) => o.jobId);
  const rows = await sql.query<JobSqlRow>(
    `with locked as (
       select id from job where id = any(array(select unnest(?::bigint[]))) order by id for no key update
     ), u as (
       update job j set
         status = case when v.success then 'completed' when ${retry} then 'pending' else 'failed' end,
         not_before = case when ${retry} then now() + ${backoffIntervalSql("j", backoffBaseSeconds)} else j.not_before end,
         worker_id = case when ${retry} then null else j.worker_id end,
         finished_at = case when ${retry} then null else now() end,
         lease_expires_at = null,
         exit_code = v.exit_code, message = v.message, output_tail = v.output_tail, updated_at = now()
       from jsonb_to_recordset(?::jsonb) as v(id bigint, success boolean, exit_code int, message text, output_tail text)
       where j.id = v.id and j.id = any(array(select id from locked)) and ${heldByActorSql("j")} and j.status in ('queued', 'running')
         ${opts.onlyWithoutDependents ? "and not j.has_dependents" : ""}
       returning j.*, v.success
     ), attempt as (
       update job_attempt a set finished_at = now(), outcome = case when u.success then 'completed' else 'failed' end,
              success = u.success, exit_code = u.exit_code, message = u.message, output_tail = u.output_tail
       from u where a.job_id = u.id and a.number = u.runs
     )
     select ${JOB_COLUMNS} from u j join task t on t.id = j.task_id`,
    [
      ids,
      JSON.stringify(outcomes.map((o) => ({ id: o.jobId, success: o.success, exit_code: o.exitCode, message: o.message, output_tail: o.outputTail }))),
      ...heldByActorParams(actor),
    ],
  );
  return rows.map(jobFromRow);
}

