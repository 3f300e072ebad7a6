import type { SqlExecutor } from "../../executor.js";

/** The BLOCKED direct dependents of these jobs: the candidates to unblock after they stopped blocking. */
export async function selectBlockedDependents(tx: SqlExecutor, jobIds: readonly number[]): Promise<number[]> {
  if (jobIds.length === 0) return [];
  const rows = await tx.query<{ job_id: number }>(
    `select distinct d.job_id from job_dependency d
     where d.depends_on_id = any(array[?]::bigint[]) and (select p.status from job p where p.id = d.job_id) = 'blocked'`,
    [[...jobIds]],
  );
  return rows.map((r) => r.job_id);
}
