import type { SqlExecutor } from "../../executor.js";

/** Draws n ids from the job sequence, so a batch knows its ids (and its edges) before its rows exist. */
export async function drawJobIds(sql: SqlExecutor, n: number): Promise<number[]> {
  if (n === 0) return [];
  const rows = await sql.query<{ id: number }>(`select nextval('job_id_seq') as id from generate_series(1, ?)`, [n]);
  return rows.map((r) => r.id);
}
