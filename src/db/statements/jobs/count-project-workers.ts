import type { SqlExecutor } from "../../executor.js";

/** Distinct workers holding a QUEUED or RUNNING job of the project now. */
export async function countProjectWorkers(sql: SqlExecutor, projectId: number): Promise<number> {
  const rows = await sql.query<{ workers: number }>(
    `select count(distinct worker_id)::int as workers from job where project_id = ? and status in ('queued', 'running') and worker_id is not null`,
    [projectId],
  );
  return rows[0]?.workers ?? 0;
}
