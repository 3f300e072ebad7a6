import type { JobStatus } from "../../../domain/job.js";

/**
 * The column list every job insert writes, in one place: a new job's own
 * fields, its starting status and dependency counter, its sweep, and its
 * task's requirements and expected duration copied (unless the job sets its
 * own) so that a claim needs no join.
 */
export const JOB_INSERT_COLUMNS = `(id, project_id, task_id, name, parameters, priority, status, max_attempts, unmet_dependencies,
  required_cpu, required_accelerators, idempotency_key, sweep_id, params_hash, expected_seconds)`;

/** What every new job row carries of its own, whichever insert writes it. */
export interface JobInsertFields {
  readonly name: string;
  readonly parameters: Record<string, unknown>;
  readonly priority: number;
  readonly status: JobStatus;
  readonly maxAttempts: number;
  readonly unmetDependencies: number;
  readonly idempotencyKey: string | null;
}

/** The shared fields of a row as the inserts' jsonb_to_recordset reads them. */
export function insertFieldsRecord(r: JobInsertFields): Record<string, unknown> {
  return {
    name: r.name,
    parameters: r.parameters,
    priority: r.priority,
    status: r.status,
    max_attempts: r.maxAttempts,
    unmet_dependencies: r.unmetDependencies,
    idempotency_key: r.idempotencyKey,
  };
}
