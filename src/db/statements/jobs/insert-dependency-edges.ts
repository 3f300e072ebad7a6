import type { SqlExecutor } from "../../executor.js";

/**
 * Inserts the edges "jobIds[i] depends on dependsOnIds[i]" in one statement,
 * and flags their targets has_dependents. Existing targets must have been
 * flagged before the transaction (markDependedOn), so this only writes the
 * flag of jobs created in the same transaction, which nobody else sees yet.
 */
export async function insertDependencyEdges(sql: SqlExecutor, jobIds: readonly number[], dependsOnIds: readonly number[]): Promise<void> {
  if (jobIds.length === 0) return;
  await sql.query(
    `with edges as (
       insert into job_dependency (job_id, depends_on_id) select * from unnest(array[?]::bigint[], array[?]::bigint[]) returning depends_on_id
     )
     update job set has_dependents = true where id = any(array(select distinct depends_on_id from edges)) and not has_dependents`,
    [[...jobIds], [...dependsOnIds]],
  );
}
