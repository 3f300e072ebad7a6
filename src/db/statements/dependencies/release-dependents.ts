import type { SqlExecutor } from "../../executor.js";
import type { ChangedJob } from "./changed-job.js";

/**
 * In the transaction that set these jobs COMPLETED: decrements the unmet
 * counter of their dependents. Returns the PENDING dependents that became
 * claimable (counter at 0), which is what waiting workers need to hear.
 */
export async function releaseDependents(tx: SqlExecutor, completedJobIds: readonly number[]): Promise<ChangedJob[]> {
  if (completedJobIds.length === 0) return [];
  const ids = [...completedJobIds];
  const rows = await tx.query<{ id: number; project_id: number; status: string; unmet_dependencies: number }>(
    `update job j set unmet_dependencies = greatest(j.unmet_dependencies -
         (select count(*) from job_dependency d where d.job_id = j.id and d.depends_on_id = any(array(select unnest(?::bigint[])))), 0),
       updated_at = now()
     where j.id = any(array(select d.job_id from job_dependency d where d.depends_on_id = any(array(select unnest(?::bigint[])))))
     returning j.id, j.project_id, j.status, j.unmet_dependencies`,
    [ids, ids],
  );
  return rows.filter((r) => r.status === "pending" && r.unmet_dependencies === 0).map((r) => ({ id: r.id, projectId: r.project_id }));
}
