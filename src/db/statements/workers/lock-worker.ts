import type { SqlExecutor } from "../../executor.js";

/** Locks the worker's row for the rest of the transaction; false when there is none. */
export async function lockWorker(sql: SqlExecutor, id: string): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(`select id from worker where id = ? for update`, [id]);
  return rows.length > 0;
}
