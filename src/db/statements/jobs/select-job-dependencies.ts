import type { DependencyState, JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** A job's dependencies with their statuses in id order; null when the job does not exist. */
export async function selectJobDependencies(sql: SqlExecutor, id: number): Promise<DependencyState[] | null> {
  const rows = await sql.query<{ id: number | null; name: string | null; status: JobStatus | null }>(
    `select p.id, p.name, p.status from job j left join job_dependency d on d.job_id = j.id left join job p on p.id = d.depends_on_id
     where j.id = ? order by p.id`,
    [id],
  );
  if (rows.length === 0) return null;
  return rows.filter((r) => r.id !== null).map((r) => ({ id: r.id!, name: r.name!, status: r.status! }));
}
