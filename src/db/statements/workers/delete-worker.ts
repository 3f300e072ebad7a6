import type { SqlExecutor } from "../../executor.js";

/**
 * Deletes the worker; finished jobs keep no reference to it (worker_id is set
 * null by the foreign key). False when there is none. Release its leased jobs
 * first, in the same transaction.
 */
export async function deleteWorker(sql: SqlExecutor, id: string): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(`delete from worker where id = ? returning id`, [id]);
  return rows.length > 0;
}
