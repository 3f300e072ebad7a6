/**
 * The column list every job insert writes, in one place: a new job's own
 * fields, its starting status and dependency counter, its sweep, and its
 * task's requirements and expected duration copied (unless the job sets its
 * own) so that a claim needs no join.
 */
export const JOB_INSERT_COLUMNS = `(id, project_id, task_id, name, parameters, priority, status, max_attempts, unmet_dependencies,
  required_cpu, required_accelerators, idempotency_key, sweep_id, params_hash, expected_seconds)`;
