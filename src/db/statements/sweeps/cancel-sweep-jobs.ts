import type { SqlExecutor } from "../../executor.js";

/**
 * PENDING, QUEUED, RUNNING or BLOCKED → CANCELLED for every job of the sweep,
 * as CancelJob does one by one (a held job's worker learns it on its next
 * heartbeat). Returns the jobs cancelled.
 */
export async function cancelSweepJobs(sql: SqlExecutor, sweepId: number, reason: string): Promise<Array<{ id: number; projectId: number }>> {
  const rows = await sql.query<{ id: number; project_id: number }>(
    `update job set status = 'cancelled', cancel_requested = status in ('queued', 'running'),
            message = case when ? = '' then message else ? end, finished_at = now(), updated_at = now()
     where sweep_id = ? and status in ('pending', 'queued', 'running', 'blocked')
     returning id, project_id`,
    [reason, reason, sweepId],
  );
  return rows.map((r) => ({ id: r.id, projectId: r.project_id }));
}
