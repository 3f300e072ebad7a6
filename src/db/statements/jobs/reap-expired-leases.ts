import type { JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import { backoffIntervalSql } from "./finish-jobs.js";

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
 * Expired leases back to the queue: QUEUED/RUNNING jobs whose lease ended go
 * to PENDING (the attempt the claim counted stays used; not claimable before
 * the retry backoff) or to FAILED when no attempt is left. Cancelled jobs whose
 * worker never acknowledged the cancel before its lease ended are simply let go.
 * FOR UPDATE SKIP LOCKED and the repeated guard make passes of several replicas
 * at once safe: each row is reaped by one of them.
 */
export async function reapExpiredLeases(sql: SqlExecutor, backoffBaseSeconds: number): Promise<ReapedJob[]> {
  const retry = `(j.status in ('queued', 'running') and j.attempts < j.max_attempts)`;
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
       returning j.id
     )
     update job j set
       status = case when ${retry} then 'pending' else 'failed' end,
       not_before = case when ${retry} then now() + ${backoffIntervalSql("j", backoffBaseSeconds)} else j.not_before end,
       worker_id = case when ${retry} then null else j.worker_id end,
       finished_at = case when ${retry} then null else now() end,
       message = 'lease expired: worker ' || coalesce(j.worker_id, '(deleted)') || ' stopped reporting',
       lease_expires_at = null, updated_at = now()
     from expired e
     where j.id = e.id and j.status in ('queued', 'running') and j.lease_expires_at < now()
     returning j.id, j.project_id, j.status, j.not_before`,
    [REAP_BATCH],
  );
  return rows.map((r) => ({ id: r.id, projectId: r.project_id, status: r.status, notBefore: r.not_before }));
}
