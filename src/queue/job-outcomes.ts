import type { SqlDatabase, SqlExecutor } from "../db/executor.js";
import { acknowledgeCancelledJobs } from "../db/statements/jobs/acknowledge-cancelled-jobs.js";
import { finishJobs as finishJobRows, type JobOutcomeInput } from "../db/statements/jobs/finish-jobs.js";
import { recordSchedulerJob as recordSchedulerJobRow } from "../db/statements/jobs/record-scheduler-job.js";
import { releaseJobs } from "../db/statements/jobs/release-jobs.js";
import { selectJob } from "../db/statements/jobs/select-job.js";
import { selectJobHolders } from "../db/statements/jobs/select-job-holders.js";
import { selectLatestAttempts, type WorkerAttempt } from "../db/statements/jobs/select-latest-attempt.js";
import { startJobs as startJobRows, type JobStartInput } from "../db/statements/jobs/start-jobs.js";
import type { WorkerActor } from "../db/statements/workers/worker-actor.js";
import { type DomainError, FailedPreconditionError, IllegalTransitionError, NotFoundError, NotLeaseHolderError, PermissionDeniedError } from "../domain/errors.js";
import type { Job, JobStatus, SchedulerJob } from "../domain/job.js";
import { blockDependents, releaseDependents } from "./dependencies.js";
import type { JobChange, QueueEvents } from "./events/queue-events.js";

export type { JobOutcomeInput, JobStartInput, SchedulerJob, WorkerActor };

/** How a worker gives a job back: preempted (with a checkpoint), and whether it left the job's scheduler job running for the next worker. */
export interface ReleaseInput {
  readonly preempted: boolean;
  readonly checkpoint: string;
  readonly schedulerJobLeft?: boolean;
}

/** The result of one item of a batch: the job as it is now, or why it was refused. */
export type ItemResult = { readonly jobId: number; readonly job: Job; readonly error?: undefined } | { readonly jobId: number; readonly job?: undefined; readonly error: DomainError };

/** The change to publish for a row a worker moved. */
function changeOf(job: Job): JobChange {
  return job.notBefore && job.status === "pending" && job.notBefore.getTime() > Date.now()
    ? { projectId: job.projectId, jobId: job.id, type: "updated", status: job.status, notBefore: job.notBefore }
    : { projectId: job.projectId, jobId: job.id, type: "updated", status: job.status };
}

/**
 * Jobs whose guarded change was refused because the same worker already made
 * it: its answer was lost and it asks again (a replica died, the network
 * broke). `alreadyDone` decides from the worker's latest attempt at the job;
 * those jobs are answered as they are now, so a repeated report is safe.
 */
async function repeatedReports(
  sql: SqlExecutor,
  actor: WorkerActor,
  jobIds: readonly number[],
  alreadyDone: (attempt: WorkerAttempt) => boolean,
): Promise<Job[]> {
  if (jobIds.length === 0) return [];
  const done = (await selectLatestAttempts(sql, actor.workerId, jobIds)).filter(alreadyDone);
  const jobs = await Promise.all(done.map((a) => selectJob(sql, a.jobId)));
  return jobs.filter((j): j is Job => j !== null);
}

/**
 * Why the guarded update did not touch these jobs, one error per id: missing,
 * held by another worker, held by this worker but the caller's principal may
 * not act as it, or in a status the transition does not start from. Only read
 * after the update failed, so the happy path pays nothing.
 */
async function explainRefusals(
  sql: SqlExecutor,
  actor: WorkerActor,
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
    const allowed = allowedFrom.includes(h.status);
    if (allowed && h.workerId !== actor.workerId) out.set(id, new NotLeaseHolderError(id, actor.workerId, h.workerId));
    else if (allowed) out.set(id, new PermissionDeniedError(`this principal may not act as worker ${JSON.stringify(actor.workerId)}: another principal registered it`));
    else {
      const from = allowedFrom.map((s) => s.toUpperCase()).join(" or ");
      out.set(id, new IllegalTransitionError(id, h.status, target(id), `only a ${from} job held by the worker can go there`));
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
 * the batch, each item succeeding or failing on its own. A start repeated by
 * the worker that already started the job answers as the first did. Item ids
 * must be distinct.
 */
export async function startJobs(sql: SqlExecutor, events: QueueEvents, actor: WorkerActor, starts: readonly JobStartInput[], leaseSeconds: number): Promise<ItemResult[]> {
  const started = await startJobRows(sql, actor, starts, leaseSeconds);
  const done = new Set(started.map((j) => j.id));
  const ids = starts.map((s) => s.jobId);
  const repeated = await repeatedReports(sql, actor, ids.filter((id) => !done.has(id)), (a) => a.outcome === "running");
  const stillHeld = repeated.filter((j) => j.status === "running" && j.workerId === actor.workerId);
  for (const j of stillHeld) done.add(j.id);
  const refused = await explainRefusals(sql, actor, ids.filter((id) => !done.has(id)), () => "running", ["queued"]);
  await events.jobsChanged(started.map(changeOf));
  return assemble(ids, [...started, ...stillHeld], refused);
}

/**
 * Finishes each job for its lease holder: COMPLETED releases its dependents;
 * a failure with attempts left goes back to PENDING after a backoff; a final
 * failure blocks its dependents. A job CANCELLED while the worker held it is
 * acknowledged quietly: the report is stored and the status stays CANCELLED.
 * A finish the same worker already stored with the same outcome (success and
 * exit code) answers OK with the job as it is now; a different outcome is
 * refused. Item ids must be distinct.
 *
 * Jobs nobody depends on (the common case) are finished first, by one
 * statement with no transaction around it; the others, and every item that
 * statement refused, go through one transaction that does the dependency work
 * and explains refusals. Each item's outcome is stored atomically either way.
 */
export async function finishJobs(
  db: SqlDatabase,
  events: QueueEvents,
  actor: WorkerActor,
  outcomes: readonly JobOutcomeInput[],
  backoffBaseSeconds: number,
): Promise<ItemResult[]> {
  const ids = outcomes.map((o) => o.jobId);
  const quick = await finishJobRows(db, actor, outcomes, backoffBaseSeconds, { onlyWithoutDependents: true });
  if (quick.length === outcomes.length) {
    await events.jobsChanged(quick.map(changeOf));
    return assemble(ids, quick, new Map());
  }
  const quickIds = new Set(quick.map((j) => j.id));
  const rest = outcomes.filter((o) => !quickIds.has(o.jobId));
  const restIds = rest.map((o) => o.jobId);
  const byId = new Map(rest.map((o) => [o.jobId, o]));
  // The quick statement committed: its changes are told even if the transaction fails.
  const result = await db.transaction(async (tx) => {
    const finished = await finishJobRows(tx, actor, rest, backoffBaseSeconds, { onlyWithoutDependents: false });
    const done = new Set(finished.map((j) => j.id));
    const acknowledged = await acknowledgeCancelledJobs(tx, actor, rest.filter((o) => !done.has(o.jobId)), "finish");
    for (const j of acknowledged) done.add(j.id);
    const released = await releaseDependents(tx, finished.filter((j) => j.status === "completed").map((j) => j.id));
    const blocked = await blockDependents(tx, finished.filter((j) => j.status === "failed").map((j) => j.id));
    const repeated = await repeatedReports(tx, actor, restIds.filter((id) => !done.has(id)), (a) => {
      const o = byId.get(a.jobId)!;
      return (a.outcome === "completed" || a.outcome === "failed" || a.outcome === "cancelled") && a.success === o.success && a.exitCode === o.exitCode;
    });
    for (const j of repeated) done.add(j.id);
    const refused = await explainRefusals(tx, actor, restIds.filter((id) => !done.has(id)), (id) => (byId.get(id)!.success ? "completed" : "failed"), ["queued", "running"]);
    return { jobs: [...finished, ...acknowledged, ...repeated], refused, changes: [...finished.map(changeOf), ...acknowledged.map(changeOf), ...released, ...blocked] };
  }).catch(async (err: unknown) => {
    await events.jobsChanged(quick.map(changeOf));
    throw err;
  });
  await events.jobsChanged([...quick.map(changeOf), ...result.changes]);
  return assemble(ids, [...quick, ...result.jobs], result.refused);
}

/**
 * QUEUED/RUNNING → PENDING without using an attempt, by the lease holder;
 * a preempted worker's attempt ends as preempted, leaving a checkpoint for
 * the next one. A job cancelled under the worker is acknowledged and stays
 * CANCELLED, as with finishJobs; a release the worker already made answers as
 * the first did.
 */
export async function releaseJob(
  sql: SqlExecutor,
  events: QueueEvents,
  actor: WorkerActor,
  jobId: number,
  reason: string,
  preemption: ReleaseInput = { preempted: false, checkpoint: "" },
): Promise<Job> {
  const how = preemption.preempted ? "preempted on" : "released by";
  const message = reason ? `${how} worker ${actor.workerId}: ${reason}` : `${how} worker ${actor.workerId}`;
  let [job] = await releaseJobs(sql, actor, [jobId], message, preemption);
  if (!job) [job] = await acknowledgeCancelledJobs(sql, actor, [{ jobId, success: null, exitCode: null, message, outputTail: "" }], "release");
  if (job) {
    await events.jobsChanged([changeOf(job)]);
    return job;
  }
  const [repeated] = await repeatedReports(sql, actor, [jobId], (a) => a.outcome === "released" || a.outcome === "preempted" || (a.outcome === "cancelled" && a.success === null));
  if (repeated) return repeated;
  const refused = await explainRefusals(sql, actor, [jobId], () => "pending", ["queued", "running"]);
  throw refused.get(jobId) ?? new NotFoundError("job", jobId);
}

/**
 * Records the scheduler job (SLURM) the lease holder submitted for a QUEUED
 * or RUNNING job on its current attempt, so that the next claim inherits it
 * should the worker be lost; refused for anyone but the lease holder.
 */
export async function recordSchedulerJob(sql: SqlExecutor, actor: WorkerActor, jobId: number, schedulerJob: SchedulerJob): Promise<Job> {
  const job = await recordSchedulerJobRow(sql, actor, jobId, schedulerJob);
  if (job) return job;
  const refused = (await explainRefusals(sql, actor, [jobId], () => "running", ["queued", "running"])).get(jobId) ?? new NotFoundError("job", jobId);
  if (refused instanceof IllegalTransitionError) {
    throw new FailedPreconditionError(`job ${jobId} is ${refused.from.toUpperCase()}: only a QUEUED or RUNNING job held by the worker takes a scheduler job`);
  }
  throw refused;
}
