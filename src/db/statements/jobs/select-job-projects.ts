import type { SqlExecutor } from "../../executor.js";

/** The projects of these jobs (missing jobs are left out), for project-restricted principals. */
export async function selectJobProjects(sql: SqlExecutor, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await sql.query<{ project_id: number }>(`select distinct project_id from job where id = any(array[?]::bigint[])`, [[...ids]]);
  return rows.map((r) => r.project_id);
}
