import type { SqlDatabase, SqlExecutor } from "../db/executor.js";
import { acknowledgeCancelledJobs } from "../db/statements/jobs/acknowledge-cancelled-jobs.js";
import { finishJobs as finishJobRows, type JobOutcomeInput } from "../db/statements/jobs/finish-jobs.js";
import { releaseJobs } from "../db/statements/jobs/release-jobs.js";
import { selectJobHolders } from "../db/statements/jobs/select-job-holders.js";
import { startJobs as startJobRows, type JobStartInput } from "../db/statements/jobs/start-jobs.js";
import { type DomainError, IllegalTransitionError, NotFoundError, NotLeaseHolderError } from "../domain/errors.js";
import type { Job, JobStatus } from "../domain/job.js";
import { blockDependents, releaseDependents } from "./dependencies.js";
import type { JobChange, QueueEvents } from "./events/queue-events.js";

export type { JobOutcomeInput, JobStartInput };

/** The result of one item of a batch: the job as it is now, or why it was refused. */
export type ItemResult = { readonly jobId: number; readonly job: Job; readonly error?: undefined } | { readonly jobId: number; readonly job?: undefined; readonly error: DomainError };

/** The change to publish for a row a worker moved. */
function changeOf(job: Job): JobChange {
  return job.notBefore && job.status === "pending" && job.notBefore.getTime() > Date.now()
    ? { projectId: job.projectId, jobId: job.id, type: "updated", status: job.status, notBefore: job.notBefore }
    : { projectId: job.projectId, jobId: job.id, type: "updated", status: job.status };
}

/**
 * Why the guarded update did not touch these jobs, one error per id: missing,
 * held by someone else, or in a status the transition does not start from.
 * Only read after the update failed, so the happy path pays nothing.
 */
async function explainRefusals(
  sql: SqlExecutor,
  workerId: string,
  jobIds: readonly number[],
  target: (jobId: number) => JobStatus,
  allowedFrom: readonly JobStatus[],
): Promise<Map<number, DomainError>> {
  const out = new Map<number, DomainError>();
  if (jobIds.length === 0) return out;
  const found = new Map((await selectJobHolders(sql, jobIds)).map((h) => [h.id, h]));
  for (const id of jobIds) {
    const h = found.get(id);
    if (!h) {
      out.set(id, new NotFoundError("job", id));
      continue;
    }
    const status = h.status;
    const holder = h.workerId;
    if (allowedFrom.includes(status) && holder !== workerId) out.set(id, new NotLeaseHolderError(id, workerId, holder));
    else {
      const from = allowedFrom.map((s) => s.toUpperCase()).join(" or ");
      out.set(id, new IllegalTransitionError(id, status, target(id), `only a ${from} job held by the worker can go there`));
    }
  }
  return out;
}

function assemble(jobIds: readonly number[], done: readonly Job[], refused: Map<number, DomainError>): ItemResult[] {
  const byId = new Map(done.map((j) => [j.id, j]));
  return jobIds.map((jobId) => {
    const job = byId.get(jobId);
    if (job) return { jobId, job };
    return { jobId, error: refused.get(jobId) ?? new NotFoundError("job", jobId) };
  });
}

/**
 * QUEUED → RUNNING for each job, by its lease holder only; one statement for
 * the batch, each item succeeding or failing on its own. Item ids must be distinct.
 */
export async function startJobs(sql: SqlExecutor, events: QueueEvents, workerId: string, starts: readonly JobStartInput[], leaseSeconds: number): Promise<ItemResult[]> {
  const started = await startJobRows(sql, workerId, starts, leaseSeconds);
  const done = new Set(started.map((j) => j.id));
  const ids = starts.map((s) => s.jobId);
  const refused = await explainRefusals(sql, workerId, ids.filter((id) => !done.has(id)), () => "running", ["queued"]);
  await events.jobsChanged(started.map(changeOf));
  return assemble(ids, started, refused);
}

/**
 * Finishes each job for its lease holder in one transaction: COMPLETED
 * releases its dependents; a failure with attempts left goes back to PENDING
 * after a backoff; a final failure blocks its dependents. A job CANCELLED
 * while the worker held it is acknowledged quietly: the report is stored and
 * the status stays CANCELLED (the worker did what it was asked to; making it
 * handle an error would gain nothing). Item ids must be distinct.
 */
export async function finishJobs(
  db: SqlDatabase,
  events: QueueEvents,
  workerId: string,
  outcomes: readonly JobOutcomeInput[],
  backoffBaseSeconds: number,
): Promise<ItemResult[]> {
  const ids = outcomes.map((o) => o.jobId);
  const result = await db.transaction(async (tx) => {
    const finished = await finishJobRows(tx, workerId, outcomes, backoffBaseSeconds);
    const done = new Set(finished.map((j) => j.id));
    const acknowledged = await acknowledgeCancelledJobs(tx, workerId, outcomes.filter((o) => !done.has(o.jobId)), "finish");
    for (const j of acknowledged) done.add(j.id);
    const released = await releaseDependents(tx, finished.filter((j) => j.status === "completed").map((j) => j.id));
    const blocked = await blockDependents(tx, finished.filter((j) => j.status === "failed").map((j) => j.id));
    const success = new Map(outcomes.map((o) => [o.jobId, o.success]));
    const refused = await explainRefusals(tx, workerId, ids.filter((id) => !done.has(id)), (id) => (success.get(id) ? "completed" : "failed"), ["queued", "running"]);
    return { jobs: [...finished, ...acknowledged], refused, changes: [...finished.map(changeOf), ...acknowledged.map(changeOf), ...released, ...blocked] };
  });
  await events.jobsChanged(result.changes);
  return assemble(ids, result.jobs, result.refused);
}

/**
 * QUEUED/RUNNING → PENDING without using an attempt, by the lease holder. A
 * job cancelled under the worker is acknowledged and stays CANCELLED, as with
 * finishJobs.
 */
export async function releaseJob(sql: SqlExecutor, events: QueueEvents, workerId: string, jobId: number, reason: string): Promise<Job> {
  const message = reason ? `released by worker ${workerId}: ${reason}` : `released by worker ${workerId}`;
  let [job] = await releaseJobs(sql, workerId, [jobId], message);
  if (!job) [job] = await acknowledgeCancelledJobs(sql, workerId, [{ jobId, exitCode: null, message, outputTail: "" }], "release");
  if (!job) {
    const refused = await explainRefusals(sql, workerId, [jobId], () => "pending", ["queued", "running"]);
    throw refused.get(jobId) ?? new NotFoundError("job", jobId);
  }
  await events.jobsChanged([changeOf(job)]);
  return job;
}
