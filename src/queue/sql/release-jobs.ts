import type { SqlExecutor } from "../../db/sql.js";
import { JOB_COLUMNS, jobRowFromSql, type JobRow } from "../job-row.js";

/**
 * QUEUED/RUNNING → PENDING without using an attempt (graceful stop,
 * preemption): the attempt the claim counted is given back and the lease
 * cleared. Guarded on the lease holder and the status. Returns the rows changed.
 */
export async function releaseJobs(em: SqlExecutor, workerId: string, jobIds: readonly number[], message: string): Promise<JobRow[]> {
  if (jobIds.length === 0) return [];
  const rows: Record<string, unknown>[] = await em.execute(
    `with u as (
       update job j set status = 'pending', attempts = greatest(j.attempts - 1, 0), worker_id = null,
         lease_expires_at = null, message = ?, updated_at = now()
       where j.id = any(array[?]::bigint[]) and j.worker_id = ? and j.status in ('queued', 'running')
       returning j.*
     )
     select ${JOB_COLUMNS} from u j join task t on t.id = j.task_id`,
    [message, [...jobIds], workerId],
  );
  return rows.map(jobRowFromSql);
}

/**
 * Every job the worker holds back to PENDING without using an attempt, and
 * its unacknowledged cancels cleared: the worker is going away (deactivate,
 * delete). Returns the ids and projects of the jobs released.
 */
export async function releaseWorkerJobs(em: SqlExecutor, workerId: string, message: string): Promise<Array<{ id: number; projectId: number }>> {
  const rows: Record<string, unknown>[] = await em.execute(
    `with released as (
       update job j set status = 'pending', attempts = greatest(j.attempts - 1, 0), worker_id = null,
         lease_expires_at = null, message = ?, updated_at = now()
       where j.worker_id = ? and j.status in ('queued', 'running')
       returning j.id, j.project_id
     ),
     acknowledged as (
       update job j set cancel_requested = false, lease_expires_at = null, updated_at = now()
       where j.worker_id = ? and j.status = 'cancelled' and j.cancel_requested
       returning j.id
     )
     select id, project_id from released order by id`,
    [message, workerId, workerId],
  );
  return rows.map((r) => ({ id: Number(r.id), projectId: Number(r.project_id) }));
}
