import { JOB_STATUSES, type JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** The number of the project's jobs in each status (every status present, 0 when none). */
export async function countJobsByStatus(sql: SqlExecutor, projectId: number): Promise<Record<JobStatus, number>> {
  const rows = await sql.query<{ status: JobStatus; n: number }>(`select status, count(*)::int as n from job where project_id = ? group by status`, [projectId]);
  const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}
