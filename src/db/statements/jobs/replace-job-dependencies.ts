import type { JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/**
 * Replaces every dependency edge of a PENDING or BLOCKED job and sets its
 * unmet counter and status to match the new dependencies (computed by the
 * caller from rows it locked FOR SHARE). Guarded on the status like
 * updateWaitingJob; false when the guard refused.
 */
export async function replaceJobDependencies(
  sql: SqlExecutor,
  id: number,
  dependsOn: readonly number[],
  state: { unmet: number; status: JobStatus },
): Promise<boolean> {
  const rows = await sql.query<{ id: number }>(
    // Edges that stay are neither deleted nor inserted again, so the two parts never touch the same row.
    `with removed as (
       delete from job_dependency where job_id = ? and not depends_on_id = any(array[?]::bigint[])
     ), added as (
       insert into job_dependency (job_id, depends_on_id) select ?, unnest(array[?]::bigint[]) on conflict do nothing
     )
     update job set unmet_dependencies = ?, status = ?, updated_at = now()
     where id = ? and status in ('pending', 'blocked')
     returning id`,
    [id, [...dependsOn], id, [...dependsOn], state.unmet, state.status, id],
  );
  return rows.length > 0;
}
