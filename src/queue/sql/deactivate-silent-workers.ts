import type { SqlExecutor } from "../../db/sql.js";

/**
 * Workers silent longer than the timeout become inactive. Their jobs are left
 * to the lease reaper: a worker that comes back in time keeps them. Guarded on
 * `active`, so concurrent replicas do it once.
 */
export async function deactivateSilentWorkers(em: SqlExecutor, timeoutSeconds: number): Promise<string[]> {
  const rows: Record<string, unknown>[] = await em.execute(
    `update worker set active = false
     where active and last_heartbeat_at < now() - make_interval(secs => ?)
     returning id`,
    [timeoutSeconds],
  );
  return rows.map((r) => String(r.id));
}
