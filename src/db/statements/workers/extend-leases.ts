import type { SqlExecutor } from "../../executor.js";
import { endGivenBackAttemptsSql, GIVE_BACK_SET } from "../jobs/give-back.js";
import { actorParams, principalMayActSql, type WorkerActor } from "./worker-actor.js";

/** What a heartbeat did. */
export interface HeartbeatOutcome {
  readonly workerFound: boolean;
  /** The worker was deactivated (DeactivateWorker) and must register again; nothing was extended. */
  readonly workerDeactivated: boolean;
  /** The worker was registered by another principal; nothing was extended. */
  readonly workerNotYours: boolean;
  /** The new expiry of the worker's leases; null when it holds none. */
  readonly leaseExpiresAt: Date | null;
  /** Jobs of the worker CANCELLED and not yet acknowledged by a finish or release. */
  readonly cancelledJobIds: number[];
  /** Jobs held for the worker that it does not run (see extendLeases), released back to the queue. */
  readonly releasedJobs: Array<{ id: number; projectId: number }>;
}

/**
 * How long after its claim a job the worker does not name as running is
 * released: a claim's answer may still be on its way to the worker while a
 * heartbeat is sent.
 */
export const UNCLAIMED_GRACE_SECONDS = 10;

/**
 * A heartbeat in one statement: the worker's last heartbeat and active flag,
 * one UPDATE extending its leases (including cancelled jobs it has not
 * acknowledged yet, so they are not reaped under it), and the ids of those
 * cancelled jobs. With `running` (the jobs the worker says it runs), only
 * those leases are extended, and jobs held for it that it does not run
 * (claimed more than UNCLAIMED_GRACE_SECONDS ago; a claim whose answer was
 * lost, a job it gave up) go back to the queue without spending an attempt,
 * their unacknowledged cancels cleared. A deactivated worker, or one the
 * caller's principal may not act as, is left alone.
 */
export async function extendLeases(sql: SqlExecutor, actor: WorkerActor, leaseSeconds: number, running: readonly number[] | null): Promise<HeartbeatOutcome> {
  const listed = running === null ? null : [...running];
  const rows = await sql.query<{
    worker_found: number;
    deactivated: boolean | null;
    yours: boolean | null;
    lease_expires_at: Date | null;
    cancelled: number[];
    released: Array<{ id: number; project_id: number }> | null;
  }>(
    `with known as (
       select w.id, w.deactivated_at is not null as deactivated, ${principalMayActSql("w")} as yours from worker w where w.id = ?
     ),
     me as (
       update worker set last_heartbeat_at = now(), active = true
       where id = (select id from known where not deactivated and yours)
       returning id
     ),
     extended as (
       update job j set lease_expires_at = now() + make_interval(secs => ?)
       where j.worker_id = (select id from me)
         and (j.status in ('queued', 'running') or (j.status = 'cancelled' and j.cancel_requested))
         and (?::bigint[] is null or j.id = any(?::bigint[]))
       returning j.id, j.status, j.cancel_requested, j.lease_expires_at
     ),
     abandoned as (
       update job j set ${GIVE_BACK_SET},
              message = 'released: worker ' || j.worker_id || ' does not run it (a claim it never received, or a job it gave up)', updated_at = now()
       where ?::bigint[] is not null and j.worker_id = (select id from me) and j.status in ('queued', 'running')
         and not j.id = any(?::bigint[])
         and exists (select 1 from job_attempt a where a.job_id = j.id and a.number = j.runs and a.claimed_at < now() - make_interval(secs => ?))
       returning j.id, j.project_id, j.runs, j.message
     ),
     abandoned_attempt as (
       ${endGivenBackAttemptsSql("abandoned", "'released'")}
     ),
     dropped_cancels as (
       update job j set cancel_requested = false, lease_expires_at = null, updated_at = now()
       where ?::bigint[] is not null and j.worker_id = (select id from me) and j.status = 'cancelled' and j.cancel_requested
         and not j.id = any(?::bigint[])
     )
     select (select count(*) from known)::int as worker_found, (select deactivated from known) as deactivated, (select yours from known) as yours,
            (select max(lease_expires_at) from extended) as lease_expires_at,
            coalesce((select array_agg(id order by id) from extended where status = 'cancelled'), '{}') as cancelled,
            (select json_agg(json_build_object('id', id, 'project_id', project_id) order by id) from abandoned) as released`,
    [...actorParams(actor), actor.workerId, leaseSeconds, listed, listed, listed, listed, UNCLAIMED_GRACE_SECONDS, listed, listed],
  );
  const r = rows[0]!;
  return {
    workerFound: r.worker_found > 0,
    workerDeactivated: r.deactivated === true,
    workerNotYours: r.yours === false,
    leaseExpiresAt: r.lease_expires_at,
    cancelledJobIds: r.cancelled,
    releasedJobs: (r.released ?? []).map((j) => ({ id: Number(j.id), projectId: Number(j.project_id) })),
  };
}
