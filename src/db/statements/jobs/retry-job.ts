import { BLOCKING_STATUSES_SQL } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/**
 * FAILED, BLOCKED or CANCELLED → PENDING with the attempts and lost leases
 * reset, so the job may run max_attempts times again. Guarded in the WHERE: refused while any
 * dependency still blocks (it would only be blocked again), and while a
 * cancelled job's worker has not yet stopped it (cancel requested, lease
 * running), so one job never runs twice at once. Returns the project, or null
 * when refused.
 */
export async function retryJob(sql: SqlExecutor, id: number): Promise<{ projectId: number } | null> {
  const rows = await sql.query<{ project_id: number }>(
    `update job j set status = 'pending', attempts = 0, lost_leases = 0, not_before = null, lease_expires_at = null, cancel_requested = false,
            finished_at = null, updated_at = now()
     where j.id = ? and j.status in ('failed', 'blocked', 'cancelled')
       and not (j.cancel_requested and j.lease_expires_at > now())
       and not exists (select 1 from job_dependency d join job p on p.id = d.depends_on_id where d.job_id = j.id and p.status in ${BLOCKING_STATUSES_SQL})
     returning j.project_id`,
    [id],
  );
  return rows[0] ? { projectId: rows[0].project_id } : null;
}
