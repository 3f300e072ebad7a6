import { BLOCKING_STATUSES_SQL, type JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** Where a job stands, for explaining why a guarded change refused it. */
export interface JobStanding {
  readonly status: JobStatus;
  readonly workerId: string | null;
  /** Cancelled while a worker held it, and the worker has not acknowledged yet (its lease still runs). */
  readonly stopping: boolean;
  /** The first dependency (by id) that blocks it, if any. */
  readonly blockingDependency: { readonly id: number; readonly status: JobStatus } | null;
}

/** Reads a job's standing; null when the job does not exist. Only read after a guard refused, so the happy path pays nothing. */
export async function selectJobStanding(sql: SqlExecutor, id: number): Promise<JobStanding | null> {
  const rows = await sql.query<{ status: JobStatus; worker_id: string | null; stopping: boolean | null; blocking_id: number | null; blocking_status: JobStatus | null }>(
    `select j.status, j.worker_id, (j.cancel_requested and j.lease_expires_at > now()) as stopping, b.id as blocking_id, b.status as blocking_status
     from job j
     left join lateral (
       select p.id, p.status from job_dependency d join job p on p.id = d.depends_on_id
       where d.job_id = j.id and p.status in ${BLOCKING_STATUSES_SQL} order by p.id limit 1
     ) b on true
     where j.id = ?`,
    [id],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    status: r.status,
    workerId: r.worker_id,
    stopping: r.stopping === true,
    blockingDependency: r.blocking_id === null ? null : { id: r.blocking_id, status: r.blocking_status! },
  };
}
