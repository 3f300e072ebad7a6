import type { SqlExecutor } from "../../executor.js";

/** An edge "jobId depends on dependsOnId". */
export interface DependencyEdge {
  readonly jobId: number;
  readonly dependsOnId: number;
}

/**
 * The edges below `from` (their dependencies, transitively), but only when
 * `target` is among them: empty means no path from `from` reaches target, so
 * making target depend on `from` closes no cycle.
 */
export async function selectDependencyReach(tx: SqlExecutor, from: readonly number[], target: number): Promise<DependencyEdge[]> {
  if (from.length === 0) return [];
  const rows = await tx.query<{ job_id: number; depends_on_id: number }>(
    `with recursive reach(id) as (
       select unnest(array[?]::bigint[])
       union
       select x.depends_on_id from reach r
       cross join lateral (select d.depends_on_id from job_dependency d where d.job_id = r.id offset 0) x
     )
     select d.job_id, d.depends_on_id from job_dependency d
     where d.job_id = any(array(select id from reach)) and exists (select 1 from reach where id = ?)`,
    [[...from], target],
  );
  return rows.map((r) => ({ jobId: r.job_id, dependsOnId: r.depends_on_id }));
}
