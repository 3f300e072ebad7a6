import type { JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** Who holds a job and in which status. */
export interface JobHolder {
  readonly id: number;
  readonly status: JobStatus;
  readonly workerId: string | null;
}

/** The status and lease holder of each existing job among these ids. */
export async function selectJobHolders(sql: SqlExecutor, ids: readonly number[]): Promise<JobHolder[]> {
  if (ids.length === 0) return [];
  const rows = await sql.query<{ id: number; status: JobStatus; worker_id: string | null }>(`select id, status, worker_id from job where id = any(array[?]::bigint[])`, [[...ids]]);
  return rows.map((r) => ({ id: r.id, status: r.status, workerId: r.worker_id }));
}
