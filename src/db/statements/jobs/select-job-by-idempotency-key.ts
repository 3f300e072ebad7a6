import type { Job } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import { FROM_JOB_WITH_TASK, JOB_COLUMNS, jobFromRow, type JobSqlRow } from "./job-row.js";

/** The job of the project that took this idempotency key, or null. */
export async function selectJobByIdempotencyKey(sql: SqlExecutor, projectId: number, key: string): Promise<Job | null> {
  const rows = await sql.query<JobSqlRow>(`select ${JOB_COLUMNS} ${FROM_JOB_WITH_TASK} where j.project_id = ? and j.idempotency_key = ?`, [projectId, key]);
  return rows[0] ? jobFromRow(rows[0]) : null;
}
