import type { SqlExecutor } from "../../executor.js";
import type { ChangedJob } from "./changed-job.js";
import { DEPENDENTS_WALK } from "./walks.js";

/**
 * In the transaction that set these jobs FAILED (final), CANCELLED or BLOCKED:
 * moves their PENDING dependents, transitively, to BLOCKED in one statement.
 * The walk follows every edge (a dependent that is already BLOCKED has only
 * BLOCKED or finished jobs below it, so walking through it changes nothing).
 * Returns the jobs blocked.
 */
export async function blockDependents(tx: SqlExecutor, jobIds: readonly number[]): Promise<ChangedJob[]> {
  if (jobIds.length === 0) return [];
  const ids = [...jobIds];
  const rows = await tx.query<{ id: number; project_id: number }>(
    `${DEPENDENTS_WALK}
     update job j set status = 'blocked', updated_at = now()
     where j.id = any(array(select id from dependents)) and not j.id = any(array[?]::bigint[]) and j.status = 'pending'
     returning j.id, j.project_id`,
    [ids, ids],
  );
  return rows.map((r) => ({ id: r.id, projectId: r.project_id }));
}
