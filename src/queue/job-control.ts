import type { SqlDatabase, SqlExecutor } from "../db/executor.js";
import { lockProjectDependencyGraph } from "../db/statements/dependencies/lock-project-dependency-graph.js";
import { markDependedOn } from "../db/statements/dependencies/mark-depended-on.js";
import { cancelJob as cancelJobRow } from "../db/statements/jobs/cancel-job.js";
import { deleteJob as deleteJobRow } from "../db/statements/jobs/delete-job.js";
import { deletePendingJobs } from "../db/statements/jobs/delete-pending-jobs.js";
import { replaceJobDependencies } from "../db/statements/jobs/replace-job-dependencies.js";
import { retryJob as retryJobRow } from "../db/statements/jobs/retry-job.js";
import { selectDependencyCandidates } from "../db/statements/jobs/select-dependency-candidates.js";
import { selectJobStanding } from "../db/statements/jobs/select-job-standing.js";
import { updateWaitingJob } from "../db/statements/jobs/update-waiting-job.js";
import { FailedPreconditionError, IllegalTransitionError, InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { isBlocking, type Job, type JobStatus } from "../domain/job.js";
import { blockDependents, checkDependencies, findCycle, unblockDependentsOf, unblockJobs } from "./dependencies.js";
import type { JobChange, QueueEvents } from "./events/queue-events.js";
import { getJob } from "./job-reads.js";
import { getProject } from "./projects.js";

/**
 * People steering jobs: update, delete, retry, cancel, clear. Each transition
 * is guarded in its statement's WHERE (src/db/statements/jobs), so concurrent
 * workers cannot race it; when a guard refuses, explainRefusal says why. Every
 * change is published after its transaction commits.
 */

/** Changes to a job that has not started; undefined fields stay. */
export interface JobChanges {
  priority?: number;
  parameters?: Record<string, unknown>;
  /** Replaces every dependency (an empty list removes them). */
  dependsOn?: number[];
}

const updated = (job: Pick<Job, "id" | "projectId" | "status">): JobChange => ({ projectId: job.projectId, jobId: job.id, type: "updated", status: job.status });

/** Why a guarded change touched no row: NotFound, or the transition refused naming both statuses and what stands in the way. */
async function explainRefusal(sql: SqlExecutor, id: number, to: JobStatus | "updated" | "deleted", allowedFrom: readonly JobStatus[]): Promise<never> {
  const standing = await selectJobStanding(sql, id);
  if (!standing) throw new NotFoundError("job", id);
  const from = standing.status;
  if (to === "updated" && !allowedFrom.includes(from)) {
    throw new FailedPreconditionError(`job ${id} is ${from.toUpperCase()}: only a PENDING or BLOCKED job can be updated`, "JOB_NOT_WAITING", { job_id: String(id), status: from.toUpperCase() });
  }
  if (to === "deleted" && !allowedFrom.includes(from)) {
    throw new FailedPreconditionError(`job ${id} is ${from.toUpperCase()} and cannot be deleted: cancel it first`, "JOB_NOT_ENDED", { job_id: String(id), status: from.toUpperCase() });
  }
  if (to === "updated" || to === "deleted") throw new FailedPreconditionError(`job ${id} changed while being ${to === "updated" ? "updated" : "deleted"}; try again`, "CONCURRENT_CHANGE", { job_id: String(id) });
  if (!allowedFrom.includes(from)) throw new IllegalTransitionError(id, from, to);
  if (standing.stopping) {
    throw new IllegalTransitionError(id, from, to, `worker ${JSON.stringify(standing.workerId)} is still stopping it; retry once it has acknowledged the cancel or its lease has expired`);
  }
  const blocking = standing.blockingDependency;
  if (blocking) {
    throw new IllegalTransitionError(id, from, to, `its dependency job ${blocking.id} is ${blocking.status.toUpperCase()}; retry or delete that one first`);
  }
  throw new FailedPreconditionError(`job ${id} changed while being updated; try again`, "CONCURRENT_CHANGE", { job_id: String(id) });
}

/**
 * Changes a PENDING or BLOCKED job. New dependencies are checked (same
 * project, no cycle: the walk runs under a per-project lock so two concurrent
 * updates cannot close a cycle together), the unmet counter is recounted, and
 * the job and its dependents are blocked or unblocked to match.
 */
export async function updateJob(db: SqlDatabase, events: QueueEvents, id: number, input: JobChanges): Promise<Job> {
  const waiting: JobStatus[] = ["pending", "blocked"];
  if (input.dependsOn !== undefined) await markDependedOn(db, { projectOf: id }, input.dependsOn);
  const result = await db.transaction(async (tx) => {
    if (input.dependsOn !== undefined && (await lockProjectDependencyGraph(tx, id)) === null) throw new NotFoundError("job", id);
    const current = await updateWaitingJob(tx, id, { priority: input.priority ?? null, parameters: input.parameters ?? null });
    if (!current) return null;
    const changes: JobChange[] = [];
    let status = current.status;
    if (input.dependsOn !== undefined) {
      const deps = input.dependsOn;
      if (deps.includes(id)) throw new InvalidArgumentError("depends_on", `job ${id} cannot depend on itself`);
      const statuses = checkDependencies("depends_on", current.projectId, deps, await selectDependencyCandidates(tx, deps, true));
      const cycle = await findCycle(tx, id, deps);
      if (cycle) throw new InvalidArgumentError("depends_on", `would close the dependency cycle ${cycle.join(" -> ")}`);
      const values = [...statuses.values()];
      status = values.some(isBlocking) ? "blocked" : "pending";
      await replaceJobDependencies(tx, id, deps, { unmet: values.filter((s) => s !== "completed").length, status });
    }
    // Dependents follow the job's new status (after it is stored: unblocking checks it).
    if (status !== current.status) changes.push(...(status === "blocked" ? await blockDependents(tx, [id]) : await unblockDependentsOf(tx, [id])));
    const job = await getJob(tx, id);
    return { job, changes: [updated(job), ...changes] };
  });
  if (!result) return explainRefusal(db, id, "updated", waiting);
  await events.jobsChanged(result.changes);
  return result.job;
}

/**
 * Deletes a job that no worker holds. Its dependents lose the dependency
 * rather than being blocked by it, and a dependent that was BLOCKED only
 * because of it becomes PENDING (transitively).
 */
export async function deleteJob(db: SqlDatabase, events: QueueEvents, id: number): Promise<void> {
  const changes = await db.transaction(async (tx) => {
    const deleted = await deleteJobRow(tx, id);
    if (!deleted) return null;
    const released = deleted.releasedDependents.map((jobId): JobChange => ({ projectId: deleted.projectId, jobId, type: "updated", status: "pending" }));
    const unblocked = await unblockJobs(tx, deleted.blockedDependents);
    return [{ projectId: deleted.projectId, jobId: id, type: "deleted" as const }, ...released, ...unblocked];
  });
  if (!changes) return explainRefusal(db, id, "deleted", ["pending", "completed", "failed", "blocked", "cancelled"]);
  await events.jobsChanged(changes);
}

/**
 * Returns a FAILED, BLOCKED or CANCELLED job to PENDING with its attempts
 * reset, then unblocks its dependents that were BLOCKED only because of it,
 * transitively. Refused while a dependency still blocks it, and while a
 * cancelled job's worker has not stopped it yet (see retry-job.ts).
 */
export async function retryJob(db: SqlDatabase, events: QueueEvents, id: number): Promise<{ job: Job; unblocked: number[] }> {
  const result = await db.transaction(async (tx) => {
    if (!(await retryJobRow(tx, id))) return null;
    const unblocked = await unblockDependentsOf(tx, [id]);
    const job = await getJob(tx, id);
    return { job, changes: [updated(job), ...unblocked], unblocked };
  });
  if (!result) return explainRefusal(db, id, "pending", ["failed", "blocked", "cancelled"]);
  await events.jobsChanged(result.changes);
  return { job: result.job, unblocked: result.unblocked.map((c) => c.jobId) };
}

/**
 * Cancels a job that has not finished; its dependents are BLOCKED
 * (transitively). A QUEUED or RUNNING job's worker learns it on its next
 * heartbeat.
 */
export async function cancelJob(db: SqlDatabase, events: QueueEvents, id: number, reason: string): Promise<{ job: Job; blocked: number[] }> {
  const result = await db.transaction(async (tx) => {
    if (!(await cancelJobRow(tx, id, reason))) return null;
    const blocked = await blockDependents(tx, [id]);
    const job = await getJob(tx, id);
    return { job, changes: [updated(job), ...blocked], blocked };
  });
  if (!result) return explainRefusal(db, id, "cancelled", ["pending", "queued", "running", "blocked"]);
  await events.jobsChanged(result.changes);
  return { job: result.job, blocked: result.blocked.map((c) => c.jobId) };
}

/** Deletes the project's PENDING jobs in one statement and returns how many. */
export async function clearQueue(sql: SqlExecutor, events: QueueEvents, projectId: number): Promise<number> {
  await getProject(sql, { id: projectId });
  const cleared = await deletePendingJobs(sql, projectId);
  await events.jobsChanged([
    ...cleared.deletedIds.map((jobId): JobChange => ({ projectId, jobId, type: "deleted" })),
    ...cleared.releasedIds.map((jobId): JobChange => ({ projectId, jobId, type: "updated", status: "pending" })),
  ]);
  return cleared.deletedIds.length;
}
