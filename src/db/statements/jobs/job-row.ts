import type { Job, JobStatus, SchedulerJob } from "../../../domain/job.js";

/** A job row as PostgreSQL returns it for JOB_COLUMNS (see executor.ts for the column types). */
export interface JobSqlRow {
  id: number;
  project_id: number;
  task_id: number;
  name: string;
  parameters: Record<string, unknown>;
  priority: number;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  runs: number;
  lost_leases: number;
  sweep_id: number | null;
  params_hash: string | null;
  expected_seconds: number | null;
  checkpoint: string;
  unmet_dependencies: number;
  has_dependents: boolean;
  required_cpu: number;
  required_accelerators: number;
  worker_id: string | null;
  lease_expires_at: Date | null;
  not_before: Date | null;
  idempotency_key: string | null;
  command: string;
  exit_code: number | null;
  message: string;
  output_tail: string;
  cancel_requested: boolean;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  task_name: string;
  command_template: string;
  depends_on: number[];
  /** Only in a claim's rows (claim-jobs.ts): the previous attempt's scheduler job, to follow. */
  inherited_scheduler_job?: SchedulerJob | null;
}

/**
 * The select list of a whole Job over `job j join task t on t.id = j.task_id`
 * (task name, command template and dependency ids included). Statements that
 * change jobs return `j.*` from their update and join the task the same way.
 */
export const JOB_COLUMNS = `j.*, t.name as task_name, t.command_template,
  coalesce((select array_agg(d.depends_on_id order by d.depends_on_id) from job_dependency d where d.job_id = j.id), '{}') as depends_on`;

/** From a job joined with its task, as reads select it. */
export const FROM_JOB_WITH_TASK = `from job j join task t on t.id = j.task_id`;

/** The domain's Job of a row. */
export function jobFromRow(r: JobSqlRow): Job {
  return {
    id: r.id,
    projectId: r.project_id,
    taskId: r.task_id,
    name: r.name,
    parameters: r.parameters ?? {},
    priority: r.priority,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runs: r.runs,
    lostLeases: r.lost_leases,
    sweepId: r.sweep_id,
    paramsHash: r.params_hash,
    expectedSeconds: r.expected_seconds,
    checkpoint: r.checkpoint,
    unmetDependencies: r.unmet_dependencies,
    requiredCpu: r.required_cpu,
    requiredAccelerators: r.required_accelerators,
    workerId: r.worker_id,
    leaseExpiresAt: r.lease_expires_at,
    notBefore: r.not_before,
    idempotencyKey: r.idempotency_key,
    command: r.command,
    exitCode: r.exit_code,
    message: r.message,
    outputTail: r.output_tail,
    cancelRequested: r.cancel_requested,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    taskName: r.task_name,
    commandTemplate: r.command_template,
    dependsOn: r.depends_on ?? [],
    inheritedSchedulerJob: r.inherited_scheduler_job ?? null,
  };
}
