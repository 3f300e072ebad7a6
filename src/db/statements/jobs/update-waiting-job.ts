import type { JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** Fields of a job that has not started; null leaves a field as it is. */
export interface WaitingJobFields {
  readonly priority: number | null;
  readonly parameters: Record<string, unknown> | null;
}

/**
 * Changes a PENDING or BLOCKED job's priority and parameters, and locks its
 * row for the rest of the transaction. Guarded on the status: null when the
 * job is missing or has started (the caller explains which).
 */
export async function updateWaitingJob(sql: SqlExecutor, id: number, fields: WaitingJobFields): Promise<{ projectId: number; status: JobStatus } | null> {
  const rows = await sql.query<{ project_id: number; status: JobStatus }>(
    `update job set priority = coalesce(?::int, priority), parameters = coalesce(?::jsonb, parameters), updated_at = now()
     where id = ? and status in ('pending', 'blocked')
     returning project_id, status`,
    [fields.priority, fields.parameters === null ? null : JSON.stringify(fields.parameters), id],
  );
  return rows[0] ? { projectId: rows[0].project_id, status: rows[0].status } : null;
}
