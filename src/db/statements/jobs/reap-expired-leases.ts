import type { JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** A job the reaper moved. */
export interface ReapedJob {
  readonly id: number;
  readonly projectId: number;
  readonly status: JobStatus;
  readonly notBefore: Date | null;
}

/** Jobs one reaper pass handles at most, so a pass stays short; the next pass takes the rest. */
export const REAP_BATCH = 1000;

/**
 * Expired leases back to the queue: a QUEUED/RUNNING job whose lease ended lost
 * its worker, which is not the job's failure, so it returns to PENDING with its
 * attempt given back and its lost_leases counted; once more than maxLostLeases
 * leases were lost under it (a job that kills every worker that runs it) it
 * becomes FAILED instead. Its attempt row ends as lost. Cancelled jobs whose
 * worker never acknowledged the cancel before its lease ended are let go.
 * FOR UPDATE SKIP LOCKED and the repeated guard make passes of several replicas
 * at once safe: each row is reaped by one of them.
 */
export async function reapExpiredLeases(sql: SqlExecutor, maxLostLeases: number): Promise<ReapedJob[]> {
  const requeue = `(j.lost_leases < ?)`;
  const rows = await sql.query<{ id: number; project_id: number; status: JobStatus; not_before: Date | null }>(
    `with expired as (
       select id from job
       where status in ('queued', 'running') and lease_expires_at < now()
       order by lease_expires_at limit ?
       for update skip locked
     ),
     abandoned as (
       update job j set cancel_requested = false, lease_expires_at = null, updated_at = now()
       where j.status = 'cancelled' and j.cancel_requested and j.lease_expires_at < now()
       returning j.id, j.runs
     ),
     abandoned_attempt as (
       update job_attempt a set finished_at = coalesce(a.finished_at, now()), outcome = 'cancelled'
       from abandoned b where a.job_id = b.id and a.number = b.runs and a.finished_at is null
     ),
     reaped as (
       update job j set
         status = case when ${requeue} then 'pending' else 'failed' end,
         attempts = case when ${requeue} then greatest(j.attempts - 1, 0) else j.attempts end,
         lost_leases = j.lost_leases + 1,
         worker_id = case when ${requeue} then null else j.worker_id end,
         finished_at = case when ${requeue} then null else now() end,
         message = case when ${requeue}
           then 'lease expired: worker ' || coalesce(j.worker_id, '(deleted)') || ' stopped reporting; back in the queue (lost lease ' || (j.lost_leases + 1) || ' of at most ' || ? || ')'
           else 'lease expired: worker ' || coalesce(j.worker_id, '(deleted)') || ' stopped reporting, and ' || (j.lost_leases + 1) || ' leases were lost under this job (WHATSNEXT_MAX_LOST_LEASES is ' || ? || '): failed' end,
         lease_expires_at = null, updated_at = now()
       from expired e
       where j.id = e.id and j.status in ('queued', 'running') and j.lease_expires_at < now()
       returning j.id, j.project_id, j.status, j.not_before, j.runs, j.message
     ),
     lost_attempt as (
       update job_attempt a set finished_at = now(), outcome = 'lost', message = r.message
       from reaped r where a.job_id = r.id and a.number = r.runs
     )
     select id, project_id, status, not_before from reaped`,
    [REAP_BATCH, maxLostLeases, maxLostLeases, maxLostLeases, maxLostLeases, maxLostLeases, maxLostLeases, maxLostLeases],
  );
  return rows.map((r) => ({ id: r.id, projectId: r.project_id, status: r.status, notBefore: r.not_before }));
}
