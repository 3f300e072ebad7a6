import type { JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** An edge of the blocked subgraph: a BLOCKED job and one of its dependencies with that dependency's status (null: none). */
export interface BlockedEdge {
  readonly jobId: number;
  readonly dependsOnId: number | null;
  readonly dependencyStatus: JobStatus | null;
}

/**
 * The BLOCKED jobs among the candidates and their BLOCKED dependents,
 * transitively, each with every dependency and its status: what deciding
 * which of them to unblock needs, in one statement whatever the depth.
 */
export async function selectBlockedSubgraph(tx: SqlExecutor, candidateIds: readonly number[]): Promise<BlockedEdge[]> {
  if (candidateIds.length === 0) return [];
  const rows = await tx.query<{ id: number; depends_on_id: number | null; dep_status: JobStatus | null }>(
    `with recursive blocked(id) as (
       select c.id from unnest(array[?]::bigint[]) as c(id) where (select j.status from job j where j.id = c.id) = 'blocked'
       union
       select x.job_id from blocked r
       cross join lateral (
         select d.job_id from job_dependency d
         where d.depends_on_id = r.id and (select j.status from job j where j.id = d.job_id) = 'blocked' offset 0) x
     )
     select b.id, d.depends_on_id, (select p.status from job p where p.id = d.depends_on_id) as dep_status
     from blocked b left join job_dependency d on d.job_id = b.id`,
    [[...new Set(candidateIds)]],
  );
  return rows.map((r) => ({ jobId: r.id, dependsOnId: r.depends_on_id, dependencyStatus: r.dep_status }));
}
