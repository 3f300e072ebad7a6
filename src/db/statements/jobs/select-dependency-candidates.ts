import type { JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** A job named as a dependency: where it lives and how it stands. */
export interface DependencyCandidate {
  readonly id: number;
  readonly projectId: number;
  readonly status: JobStatus;
}

/**
 * The jobs with these ids (missing ones are left out). With `lock`, they are
 * read FOR SHARE for the rest of the transaction, so that a concurrent finish
 * cannot change a status between this read and the new edges' insert.
 */
export async function selectDependencyCandidates(sql: SqlExecutor, ids: readonly number[], lock: boolean): Promise<DependencyCandidate[]> {
  if (ids.length === 0) return [];
  const rows = await sql.query<{ id: number; project_id: number; status: JobStatus }>(
    `select id, project_id, status from job where id = any(array[?]::bigint[])${lock ? " for share" : ""}`,
    [[...ids]],
  );
  return rows.map((r) => ({ id: r.id, projectId: r.project_id, status: r.status }));
}
