import type { SqlExecutor } from "../../executor.js";

/**
 * PENDING, QUEUED, RUNNING or BLOCKED → CANCELLED. A QUEUED or RUNNING job is
 * marked cancel_requested so that its worker learns it (heartbeat) and
 * acknowledges it; until then its lease keeps running. A non-empty reason
 * becomes the job's message. Null when refused (missing or already ended).
 */
export async function cancelJob(sql: SqlExecutor, id: number, reason: string): Promise<{ projectId: number } | null> {
  const rows = await sql.query<{ project_id: number }>(
    `update job set status = 'cancelled', cancel_requested = status in ('queued', 'running'),
            message = case when ? = '' then message else ? end, finished_at = now(), updated_at = now()
     where id = ? and status in ('pending', 'queued', 'running', 'blocked')
     returning project_id`,
    [reason, reason, id],
  );
  return rows[0] ? { projectId: rows[0].project_id } : null;
}
