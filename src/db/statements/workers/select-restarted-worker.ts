import type { SqlExecutor } from "../../executor.js";

/**
 * The worker a restarted process was: same name, same host, same principal,
 * and no longer active (it stopped, or went silent). Locked, and skipped when
 * another registration holds it, so two processes starting together never
 * share one identity. Null when there is none.
 */
export async function selectRestartedWorker(sql: SqlExecutor, name: string, host: string, principal: string | null): Promise<string | null> {
  const rows = await sql.query<{ id: string }>(
    `select id from worker
      where name = ? and host = ? and principal is not distinct from ? and (not active or deactivated_at is not null)
      order by last_heartbeat_at desc
      limit 1
      for update skip locked`,
    [name, host, principal],
  );
  return rows[0]?.id ?? null;
}
