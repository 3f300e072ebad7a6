import type { SqlExecutor } from "../../executor.js";
import type { ChangedJob } from "./changed-job.js";

/** BLOCKED → PENDING for these jobs (guarded on BLOCKED). Returns the jobs moved. */
export async function unblockJobs(tx: SqlExecutor, ids: readonly number[]): Promise<ChangedJob[]> {
  if (ids.length === 0) return [];
  const rows = await tx.query<{ id: number; project_id: number }>(
    `update job set status = 'pending', updated_at = now() where id = any(array[?]::bigint[]) and status = 'blocked' returning id, project_id`,
    [[...ids]],
  );
  return rows.map((r) => ({ id: r.id, projectId: r.project_id }));
}
