import type { SqlExecutor } from "../../executor.js";

/** Workers registered and active, server-wide. */
export async function countWorkers(sql: SqlExecutor): Promise<{ active: number; registered: number }> {
  const rows = await sql.query<{ active: number; registered: number }>(`select count(*) filter (where active)::int as active, count(*)::int as registered from worker`);
  return rows[0] ?? { active: 0, registered: 0 };
}
