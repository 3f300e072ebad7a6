import type { SqlExecutor } from "../../executor.js";

/**
 * Retention: deletes up to `limit` COMPLETED, FAILED or CANCELLED jobs that
 * finished more than `olderThanSeconds` ago, oldest first, through
 * job_finished_idx. A finished job that an unfinished job still depends on is
 * kept (deleting it would change its dependents' standing), and so is a
 * cancelled job whose worker has not acknowledged the cancel. SKIP LOCKED lets
 * every replica's reaper run it at once. Returns the jobs deleted.
 */
export async function deleteFinishedJobs(sql: SqlExecutor, olderThanSeconds: number, limit: number): Promise<Array<{ id: number; projectId: number }>> {
  const rows = await sql.query<{ id: number; project_id: number }>(
    `with doomed as (
       select j.id from job j
       where j.status in ('completed', 'failed', 'cancelled') and j.finished_at < now() - make_interval(secs => ?)
         and not j.cancel_requested
         and not exists (
           select 1 from job_dependency d join job x on x.id = d.job_id
           where d.depends_on_id = j.id and x.status not in ('completed', 'failed', 'cancelled'))
       order by j.finished_at
       limit ?
       for update skip locked
     )
     delete from job where id in (select id from doomed) returning id, project_id`,
    [olderThanSeconds, limit],
  );
  return rows.map((r) => ({ id: r.id, projectId: r.project_id }));
}
