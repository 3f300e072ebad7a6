import type { SqlExecutor } from "../../executor.js";

/** How many stored keys could authenticate at `now`. */
export async function countUsableApiKeys(sql: SqlExecutor, now: Date): Promise<number> {
  const rows = await sql.query<{ n: number }>(`select count(*)::int as n from api_key where revoked_at is null and (expires_at is null or expires_at > ?)`, [now]);
  return rows[0]?.n ?? 0;
}
