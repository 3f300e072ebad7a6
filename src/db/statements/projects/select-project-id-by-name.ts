import type { SqlExecutor } from "../../executor.js";

/** The id of the project with this name, in a list (empty when there is none), for project-restricted principals. */
export async function selectProjectIdByName(sql: SqlExecutor, name: string): Promise<number[]> {
  const rows = await sql.query<{ id: number }>(`select id from project where name = ?`, [name]);
  return rows.map((r) => r.id);
}
