import type { SqlExecutor } from "../../executor.js";

/** Records a use of the key; the guard keeps it to one write per key per minute across replicas. */
export async function touchApiKey(sql: SqlExecutor, id: number, now: Date): Promise<void> {
  await sql.query(`update api_key set last_used_at = ? where id = ? and (last_used_at is null or last_used_at < ?)`, [
    now,
    id,
    new Date(now.getTime() - 60_000),
  ]);
}
