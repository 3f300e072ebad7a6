import type { SqlExecutor } from "../../executor.js";

/**
 * Workers silent longer than the timeout become inactive. Their jobs are left
 * to the lease reaper: a worker that comes back in time keeps them. Guarded on
 * `active`, so concurrent replicas do it once.
 */
export async function deactivateSilentWorkers(sql: SqlExecutor, timeoutSeconds: number): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `update worker set active = false
     where active and last_heartbeat_at < now() - make_interval(secs => ?)
     returning id`,
    [timeoutSeconds],
  );
  return rows.map((r) => r.id);
}
