import type { SqlExecutor } from "../../executor.js";

/** Inserts the edges "jobIds[i] depends on dependsOnIds[i]" in one statement. */
export async function insertDependencyEdges(sql: SqlExecutor, jobIds: readonly number[], dependsOnIds: readonly number[]): Promise<void> {
  if (jobIds.length === 0) return;
  await sql.query(`insert into job_dependency (job_id, depends_on_id) select * from unnest(array[?]::bigint[], array[?]::bigint[])`, [
    [...jobIds],
    [...dependsOnIds],
  ]);
}
