import type { SqlExecutor } from "../../executor.js";

/** What a heartbeat did. */
export interface HeartbeatOutcome {
  readonly workerFound: boolean;
  /** The new expiry of the worker's leases; null when it holds none. */
  readonly leaseExpiresAt: Date | null;
  /** Jobs of the worker CANCELLED and not yet acknowledged by a finish or release. */
  readonly cancelledJobIds: number[];
}

/**
 * A heartbeat in one statement: the worker's last heartbeat and active flag,
 * one UPDATE extending every lease it holds (including cancelled jobs it has
 * not acknowledged yet, so they are not reaped under it), and the ids of
 * those cancelled jobs.
 */
export async function extendLeases(sql: SqlExecutor, workerId: string, leaseSeconds: number): Promise<HeartbeatOutcome> {
  const rows = await sql.query<{ worker_found: number; lease_expires_at: Date | null; cancelled: number[] }>(
    `with me as (
       update worker set last_heartbeat_at = now(), active = true where id = ? returning id
     ),
     extended as (
       update job j set lease_expires_at = now() + make_interval(secs => ?)
       where j.worker_id = (select id from me)
         and (j.status in ('queued', 'running') or (j.status = 'cancelled' and j.cancel_requested))
       returning j.id, j.status, j.cancel_requested, j.lease_expires_at
     )
     select (select count(*) from me)::int as worker_found,
            (select max(lease_expires_at) from extended) as lease_expires_at,
            coalesce((select array_agg(id order by id) from extended where status = 'cancelled'), '{}') as cancelled`,
    [workerId, leaseSeconds],
  );
  const r = rows[0]!;
  return {
    workerFound: r.worker_found > 0,
    leaseExpiresAt: r.lease_expires_at,
    cancelledJobIds: r.cancelled,
  };
}
