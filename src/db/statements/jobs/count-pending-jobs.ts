import type { SqlExecutor } from "../../executor.js";

/** The full number of the project's PENDING jobs: a scan, for the background estimate only (never on a request's path). */
export async function countPendingJobs(sql: SqlExecutor, projectId: number): Promise<number> {
  const rows = await sql.query<{ n: number }>(`select count(*)::bigint as n from job where project_id = ? and status = 'pending'`, [projectId]);
  return rows[0]?.n ?? 0;
}
