import type { JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** A job that already took an idempotency key. */
export interface KeyedJob {
  readonly id: number;
  readonly idempotencyKey: string;
  readonly status: JobStatus;
}

/** The project's jobs that took any of these idempotency keys. */
export async function selectJobsByIdempotencyKeys(sql: SqlExecutor, projectId: number, keys: readonly string[]): Promise<KeyedJob[]> {
  if (keys.length === 0) return [];
  const rows = await sql.query<{ id: number; idempotency_key: string; status: JobStatus }>(
    `select id, idempotency_key, status from job where project_id = ? and idempotency_key = any(array[?]::text[])`,
    [projectId, [...keys]],
  );
  return rows.map((r) => ({ id: r.id, idempotencyKey: r.idempotency_key, status: r.status }));
}
