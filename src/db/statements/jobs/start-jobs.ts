import type { Job } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import { heldByActorParams, heldByActorSql, type WorkerActor } from "../workers/worker-actor.js";
import { JOB_COLUMNS, jobFromRow, type JobSqlRow } from "./job-row.js";

/** One job to start and the command the worker runs for it. */
export interface JobStartInput {
  readonly jobId: number;
  readonly command: string;
  /** The accelerator ids the worker gave the job, for the attempt's record. */
  readonly acceleratorIds: readonly string[];
}

/**
 * QUEUED → RUNNING for the jobs the worker holds, in one statement, and the
 * attempt row with them; the guard (the lease holder, the principal that may
 * act as it, the status) makes the database refuse anyone else. Starting also
 * renews the lease. Returns the rows that changed; the caller explains the others.
 */
export async function startJobs(sql: SqlExecutor, actor: WorkerActor, starts: readonly JobStartInput[], leaseSeconds: number): Promise<Job[]> {
  if (starts.length === 0) return [];
  const rows = await sql.query<JobSqlRow>(
    `with u as (
       update job j set status = 'running', command = v.command, started_at = now(),
         lease_expires_at = now() + make_interval(secs => ?), updated_at = now()
       from jsonb_to_recordset(?::jsonb) as v(id bigint, command text, accelerator_ids text[])
       where j.id = v.id and j.id = any(array[?]::bigint[]) and ${heldByActorSql("j")} and j.status = 'queued'
       returning j.*, v.accelerator_ids
     ), attempt as (
       update job_attempt a set started_at = u.started_at, command = u.command, outcome = 'running', accelerator_ids = coalesce(u.accelerator_ids, '{}')
       from u where a.job_id = u.id and a.number = u.runs
     )
     select ${JOB_COLUMNS} from u j join task t on t.id = j.task_id`,
    [leaseSeconds, JSON.stringify(starts.map((s) => ({ id: s.jobId, command: s.command, accelerator_ids: s.acceleratorIds }))), starts.map((s) => s.jobId), ...heldByActorParams(actor)],
  );
  return rows.map(jobFromRow);
}
