import { randomUUID } from "node:crypto";
import type { SqlDatabase, SqlExecutor } from "../db/executor.js";
import { deactivateWorker as deactivateWorkerRow } from "../db/statements/workers/deactivate-worker.js";
import { deleteWorker as deleteWorkerRow } from "../db/statements/workers/delete-worker.js";
import { extendLeases, type HeartbeatOutcome } from "../db/statements/workers/extend-leases.js";
import { listWorkers as listWorkerRows } from "../db/statements/workers/list-workers.js";
import { lockWorker } from "../db/statements/workers/lock-worker.js";
import { releaseWorkerJobs } from "../db/statements/workers/release-worker-jobs.js";
import { selectRestartedWorker } from "../db/statements/workers/select-restarted-worker.js";
import { selectWorker } from "../db/statements/workers/select-worker.js";
import { upsertWorker, type WorkerFields } from "../db/statements/workers/upsert-worker.js";
import type { WorkerActor } from "../db/statements/workers/worker-actor.js";
import { NotFoundError } from "../domain/errors.js";
import type { Worker, WorkerWithJobs } from "../domain/worker.js";
import { deactivatedWorker, notYourWorker } from "./claim.js";
import type { QueueEvents } from "./events/queue-events.js";

/** What a worker says about itself; an empty id lets the server pick one. */
export type WorkerInput = WorkerFields;

/**
 * Creates the worker or, when the id exists, updates its fields and
 * reactivates it: a restarted (or deactivated) worker keeps its id and its
 * history. Without an id, a worker of the same name on the same host (and
 * principal) that is no longer active is taken up again, so restarting a
 * worker adds no row. The worker is bound to the registering principal; an id
 * another principal registered is refused (PermissionDenied).
 */
export async function registerWorker(db: SqlDatabase, input: WorkerInput, principal: string | null): Promise<WorkerWithJobs> {
  const worker =
    input.id || !input.host
      ? await upsertWorker(db, { ...input, id: input.id || `w-${randomUUID()}` }, principal)
      : await db.transaction(async (tx) => {
          const id = (await selectRestartedWorker(tx, input.name, input.host, principal)) ?? `w-${randomUUID()}`;
          return upsertWorker(tx, { ...input, id }, principal);
        });
  if (!worker) throw notYourWorker(input.id);
  return worker;
}

export async function getWorker(sql: SqlExecutor, id: string): Promise<WorkerWithJobs> {
  const worker = await selectWorker(sql, id);
  if (!worker) throw new NotFoundError("worker", id);
  return worker;
}

/** Workers in id order after the cursor; limit + 1 rows so the caller can tell if more follow. */
export async function listWorkers(sql: SqlExecutor, opts: { includeInactive: boolean; afterId: string | undefined; limit: number }): Promise<WorkerWithJobs[]> {
  return listWorkerRows(sql, { includeInactive: opts.includeInactive, afterId: opts.afterId ?? "", limit: opts.limit + 1 });
}

/**
 * Keeps the worker alive and its leases with it; with `running`, jobs held
 * for it that it does not run go back to the queue (see extendLeases). A
 * deactivated worker must register again.
 */
export async function heartbeat(
  sql: SqlExecutor,
  events: QueueEvents,
  actor: WorkerActor,
  leaseSeconds: number,
  running: readonly number[] | null,
): Promise<HeartbeatOutcome> {
  const outcome = await extendLeases(sql, actor, leaseSeconds, running);
  if (!outcome.workerFound) throw new NotFoundError("worker", actor.workerId);
  if (outcome.workerDeactivated) throw deactivatedWorker(actor.workerId);
  if (outcome.workerNotYours) throw notYourWorker(actor.workerId);
  await events.jobsChanged(outcome.releasedJobs.map((j) => ({ projectId: j.projectId, jobId: j.id, type: "updated", status: "pending" })));
  return outcome;
}

/**
 * Marks the worker inactive and deactivated, and gives its jobs back to the
 * queue without using an attempt (it stops on purpose, it did not crash).
 * Returns the worker and the ids of the jobs released.
 */
export async function deactivateWorker(db: SqlDatabase, events: QueueEvents, actor: WorkerActor): Promise<{ worker: Worker; releasedJobIds: number[] }> {
  const id = actor.workerId;
  const result = await db.transaction(async (tx) => {
    const worker = await deactivateWorkerRow(tx, actor);
    if (!worker) return null;
    const released = await releaseWorkerJobs(tx, id, `released: worker ${id} was deactivated`);
    return { worker, released };
  });
  if (!result) {
    if (await selectWorker(db, id)) throw notYourWorker(id);
    throw new NotFoundError("worker", id);
  }
  await events.jobsChanged(result.released.map((j) => ({ projectId: j.projectId, jobId: j.id, type: "updated", status: "pending" })));
  return { worker: result.worker, releasedJobIds: result.released.map((j) => j.id) };
}

/** Releases the worker's jobs (as deactivateWorker does), then deletes it; finished jobs keep no reference to it. */
export async function deleteWorker(db: SqlDatabase, events: QueueEvents, id: string): Promise<void> {
  const released = await db.transaction(async (tx) => {
    if (!(await lockWorker(tx, id))) throw new NotFoundError("worker", id);
    const jobs = await releaseWorkerJobs(tx, id, `released: worker ${id} was deleted`);
    await deleteWorkerRow(tx, id);
    return jobs;
  });
  await events.jobsChanged(released.map((j) => ({ projectId: j.projectId, jobId: j.id, type: "updated", status: "pending" })));
}
