import { BLOCKING_STATUSES_SQL } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/**
 * FAILED, BLOCKED or CANCELLED → PENDING for every job of the sweep that
 * RetryJob would take: attempts and lost leases reset; refused while a
 * dependency still blocks it or its worker has not stopped it yet. Returns
 * the jobs retried and those left (in those statuses, refused by the guard).
 */
export async function retrySweepJobs(sql: SqlExecutor, sweepId: number): Promise<{ retried: Array<{ id: number; projectId: number }>; skipped: number[] }> {
  const rows = await sql.query<{ kind: "retried" | "skipped"; id: number; project_id: number }>(
    `with retried as (
       update job j set status = 'pending', attempts = 0, lost_leases = 0, not_before = null, lease_expires_at = null, cancel_requested = false,
              finished_at = null, updated_at = now()
       where j.sweep_id = ? and j.status in ('failed', 'blocked', 'cancelled')
         and not (j.cancel_requested and j.lease_expires_at > now())
         and not exists (select 1 from job_dependency d join job p on p.id = d.depends_on_id where d.job_id = j.id and p.status in ${BLOCKING_STATUSES_SQL})
       returning j.id, j.project_id
     )
     select 'retried' as kind, id, project_id from retried
     union all
     select 'skipped', j.id, j.project_id from job j
     where j.sweep_id = ? and j.status in ('failed', 'blocked', 'cancelled') and not exists (select 1 from retried r where r.id = j.id)`,
    [sweepId, sweepId],
  );
  return {
    retried: rows.filter((r) => r.kind === "retried").map((r) => ({ id: r.id, projectId: r.project_id })),
    skipped: rows.filter((r) => r.kind === "skipped").map((r) => r.id),
  };
}
