import type { Job } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import { FROM_JOB_WITH_TASK, JOB_COLUMNS, jobFromRow, type JobSqlRow } from "./job-row.js";

/** One job with its task name, command template and dependency ids; null when there is none. */
export async function selectJob(sql: SqlExecutor, id: number): Promise<Job | null> {
  const rows = await sql.query<JobSqlRow>(`select ${JOB_COLUMNS} ${FROM_JOB_WITH_TASK} where j.id = ?`, [id]);
  return rows[0] ? jobFromRow(rows[0]) : null;
}
