import type { JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** What deleting a job did to the jobs that depended on it. */
export interface DeletedJob {
  readonly projectId: number;
  /** Dependents that are BLOCKED: candidates to unblock now that the deleted job no longer constrains them. */
  readonly blockedDependents: number[];
  /** Dependents that are PENDING with no unmet dependency left: claimable now. */
  readonly releasedDependents: number[];
}

/**
 * Deletes a job that no worker holds (not QUEUED or RUNNING), in one
 * statement. Its dependents lose the edge rather than being blocked by it:
 * each one's unmet counter drops when the deleted job was not COMPLETED.
 * Null when the job is missing or held (the caller explains which).
 */
export async function deleteJob(sql: SqlExecutor, id: number): Promise<DeletedJob | null> {
  const rows = await sql.query<{ kind: "deleted" | "dependent"; id: number; project_id: number; status: JobStatus | null; unmet: number }>(
    `with doomed as (
       select id, project_id, status from job where id = ? and status not in ('queued', 'running') for update
     ), dependents as (
       update job j set unmet_dependencies = greatest(j.unmet_dependencies - case when d.status = 'completed' then 0 else 1 end, 0),
              updated_at = now()
       from doomed d
       where j.id = any(array(select e.job_id from job_dependency e where e.depends_on_id = d.id))
       returning j.id, j.project_id, j.status, j.unmet_dependencies
     ), removed as (
       delete from job where id = (select id from doomed) returning id, project_id
     )
     select 'deleted' as kind, id, project_id, null as status, 0 as unmet from removed
     union all select 'dependent', id, project_id, status, unmet_dependencies from dependents`,
    [id],
  );
  const deleted = rows.find((r) => r.kind === "deleted");
  if (!deleted) return null;
  const dependents = rows.filter((r) => r.kind === "dependent");
  return {
    projectId: deleted.project_id,
    blockedDependents: dependents.filter((r) => r.status === "blocked").map((r) => r.id),
    releasedDependents: dependents.filter((r) => r.status === "pending" && r.unmet === 0).map((r) => r.id),
  };
}
