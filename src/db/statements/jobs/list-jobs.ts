import type { Job, JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import { FROM_JOB_WITH_TASK, JOB_COLUMNS, jobFromRow, type JobSqlRow } from "./job-row.js";

/** Which jobs of a project a page lists. */
export interface JobFilter {
  readonly projectId: number;
  /** Any of these statuses; empty: every status. */
  readonly statuses: readonly JobStatus[];
  /** Jobs of this task only; null: every task. */
  readonly taskName: string | null;
  /** Jobs of this sweep only; null: any. */
  readonly sweepId: number | null;
  /** Keyset cursor: ids after this one. */
  readonly afterId: number;
  /** Rows to read (the caller asks one more than a page to learn whether another follows). */
  readonly limit: number;
}

/** A keyset page of a project's jobs in id order. */
export async function listJobs(sql: SqlExecutor, filter: JobFilter): Promise<Job[]> {
  const where = [`j.project_id = ?`, `j.id > ?`];
  const params: unknown[] = [filter.projectId, filter.afterId];
  if (filter.statuses.length > 0) {
    where.push(`j.status = any(array[?]::text[])`);
    params.push([...filter.statuses]);
  }
  if (filter.sweepId !== null) {
    where.push(`j.sweep_id = ?`);
    params.push(filter.sweepId);
  }
  if (filter.taskName !== null) {
    where.push(`t.name = ?`);
    params.push(filter.taskName);
  }
  params.push(filter.limit);
  const rows = await sql.query<JobSqlRow>(`select ${JOB_COLUMNS} ${FROM_JOB_WITH_TASK} where ${where.join(" and ")} order by j.id limit ?`, params);
  return rows.map(jobFromRow);
}
