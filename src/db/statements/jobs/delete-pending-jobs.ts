import type { JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** What clearing a queue deleted and which surviving dependents became claimable. */
export interface ClearedQueue {
  readonly deletedIds: number[];
  /** Dependents that lost their last unmet dependency and are PENDING: claimable now. */
  readonly releasedIds: number[];
}

/**
 * Deletes the project's PENDING jobs in one statement. Jobs being claimed at
 * that moment are skipped (SKIP LOCKED: they are no longer PENDING). Surviving
 * dependents lose the deleted dependencies as with deleteJob; a PENDING job
 * never blocks anyone, so nothing needs unblocking.
 */
export async function deletePendingJobs(sql: SqlExecutor, projectId: number): Promise<ClearedQueue> {
  const rows = await sql.query<{ kind: "deleted" | "updated"; id: number; status: JobStatus | null; unmet: number }>(
    `with doomed as (
       select id from job where project_id = ? and status = 'pending' for update skip locked
     ), lost as (
       select d.job_id, count(*)::int as n from job_dependency d
       where d.depends_on_id in (select id from doomed) and d.job_id not in (select id from doomed)
       group by d.job_id
     ), upd as (
       update job j set unmet_dependencies = greatest(j.unmet_dependencies - (select n from lost where lost.job_id = j.id), 0), updated_at = now()
       where j.id = any(array(select job_id from lost))
       returning j.id, j.status, j.unmet_dependencies
     ), del as (
       delete from job where id in (select id from doomed) returning id
     )
     select 'deleted' as kind, id, null as status, 0 as unmet from del
     union all select 'updated', id, status, unmet_dependencies from upd`,
    [projectId],
  );
  return {
    deletedIds: rows.filter((r) => r.kind === "deleted").map((r) => r.id),
    releasedIds: rows.filter((r) => r.kind === "updated" && r.status === "pending" && r.unmet === 0).map((r) => r.id),
  };
}
