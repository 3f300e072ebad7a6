import type { SqlExecutor } from "../../executor.js";
import { endGivenBackAttemptsSql, GIVE_BACK_SET } from "../jobs/give-back.js";

/**
 * Every job the worker holds back to PENDING without using an attempt, and
 * its unacknowledged cancels cleared: the worker is going away (deactivate,
 * delete). Returns the ids and projects of the jobs released.
 */
export async function releaseWorkerJobs(sql: SqlExecutor, workerId: string, message: string): Promise<Array<{ id: number; projectId: number }>> {
  const rows = await sql.query<{ id: number; project_id: number }>(
    `with released as (
       update job j set ${GIVE_BACK_SET}, message = ?, updated_at = now()
       where j.worker_id = ? and j.status in ('queued', 'running')
       returning j.id, j.project_id, j.runs, j.message
     ),
     attempt as (
       ${endGivenBackAttemptsSql("released", "'released'")}
     ),
     acknowledged as (
       update job j set cancel_requested = false, lease_expires_at = null, updated_at = now()
       where j.worker_id = ? and j.status = 'cancelled' and j.cancel_requested
       returning j.id
     )
     select id, project_id from released order by id`,
    [message, workerId, workerId],
  );
  return rows.map((r) => ({ id: r.id, projectId: r.project_id }));
}
