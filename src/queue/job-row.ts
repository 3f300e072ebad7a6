import { JOB_STATUSES, type Job, type JobStatusValue } from "../db/entities/index.js";

/**
 * A job as the queue hands it around: the stored columns (camelCase, like the
 * Job entity, so an entity is a JobRow too) plus what a read may join in.
 * Everything that reads jobs with raw SQL maps rows with jobRowFromSql, so the
 * service layer converts one shape only.
 */
export interface JobRow extends Job {
  /** The task's name, when the read joined the task. */
  taskName?: string;
  /** The task's command template, when the read joined the task. */
  commandTemplate?: string;
  /** Ids of the jobs this one depends on, ascending, when the read collected them. */
  dependsOn?: number[];
}

/**
 * The select list that reads a full JobRow for `job j join task t on t.id = j.task_id`
 * (task name, command template and dependency ids included). Use as
 * `select ${JOB_COLUMNS} from job j join task t on t.id = j.task_id where ...`.
 */
export const JOB_COLUMNS = `j.*, t.name as task_name, t.command_template,
  coalesce((select array_agg(d.depends_on_id order by d.depends_on_id) from job_dependency d where d.job_id = j.id), '{}') as depends_on`;

import type { SqlRow } from "../db/sql.js";

/** A raw row of the queue's SQL (src/db/sql.ts), for the modules that read rows here. */
export type { SqlRow };

/**
 * PostgreSQL timestamptz text ("2026-01-02 03:04:05.678901+00") as a Date;
 * MikroORM's pg type overrides leave timestamps as strings.
 */
export function dateFromSql(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const text = String(value).replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
  return new Date(text);
}

function num(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

function status(value: unknown): JobStatusValue {
  const s = String(value) as JobStatusValue;
  if (!JOB_STATUSES.includes(s)) throw new Error(`unknown stored job status ${JSON.stringify(value)}`);
  return s;
}

/** Maps a snake_case row of `job` (optionally with task_name, command_template, depends_on) to a JobRow. */
export function jobRowFromSql(r: SqlRow): JobRow {
  const row: JobRow = {
    id: num(r.id),
    projectId: num(r.project_id),
    taskId: num(r.task_id),
    name: String(r.name ?? ""),
    parameters: (typeof r.parameters === "string" ? JSON.parse(r.parameters) : (r.parameters ?? {})) as Record<string, unknown>,
    priority: num(r.priority),
    status: status(r.status),
    attempts: num(r.attempts),
    maxAttempts: num(r.max_attempts),
    unmetDependencies: num(r.unmet_dependencies),
    requiredCpu: num(r.required_cpu),
    requiredAccelerators: num(r.required_accelerators),
    workerId: r.worker_id === null || r.worker_id === undefined ? null : String(r.worker_id),
    leaseExpiresAt: dateFromSql(r.lease_expires_at),
    notBefore: dateFromSql(r.not_before),
    idempotencyKey: r.idempotency_key === null || r.idempotency_key === undefined ? null : String(r.idempotency_key),
    command: String(r.command ?? ""),
    exitCode: r.exit_code === null || r.exit_code === undefined ? null : num(r.exit_code),
    message: String(r.message ?? ""),
    outputTail: String(r.output_tail ?? ""),
    cancelRequested: r.cancel_requested === true || r.cancel_requested === "t",
    createdAt: dateFromSql(r.created_at) ?? new Date(0),
    updatedAt: dateFromSql(r.updated_at) ?? new Date(0),
    startedAt: dateFromSql(r.started_at),
    finishedAt: dateFromSql(r.finished_at),
  };
  if (r.task_name !== undefined) row.taskName = String(r.task_name);
  if (r.command_template !== undefined) row.commandTemplate = String(r.command_template);
  if (r.depends_on !== undefined && r.depends_on !== null) row.dependsOn = (r.depends_on as unknown[]).map(num);
  return row;
}
