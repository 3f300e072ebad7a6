import { linkedSignal } from "../abort.js";
import type { SqlExecutor } from "../db/executor.js";
import { claimJobs, type ClaimRequest } from "../db/statements/jobs/claim-jobs.js";
import { FailedPreconditionError, NotFoundError, PermissionDeniedError } from "../domain/errors.js";
import type { Job } from "../domain/job.js";
import type { QueueEvents } from "./events/queue-events.js";
import type { PendingEstimate } from "./pending-estimate.js";

export type { ClaimRequest };

/**
 * A long-poll that finds nothing still looks again this often, as a safety
 * net for wake-ups that cannot be heard: a notification lost while the
 * LISTEN connection was down, or a retry backoff that ended on a replica that
 * never heard of it.
 */
export const RECHECK_MS = 5_000;

/** What FetchJob answers. */
export interface FetchResult {
  readonly jobs: Job[];
  /** PENDING jobs of the project after the claim (approximate past PENDING_COUNT_CAP). */
  readonly numPending: number;
}

/**
 * Claims up to maxJobs jobs for the worker; with waitMs > 0 and nothing
 * claimable, waits for a change that may have made a job claimable (or the
 * end of a retry backoff) and claims again, until the wait ends or the signal
 * aborts (the caller left, the server is shutting down). The waiter is
 * subscribed BEFORE each claim, so a job created between the claim and the
 * wait still wakes it.
 */
export async function fetchJobs(
  sql: SqlExecutor,
  events: QueueEvents,
  estimate: PendingEstimate,
  request: ClaimRequest,
  opts: { waitMs: number; signal: AbortSignal },
): Promise<FetchResult> {
  const deadline = Date.now() + opts.waitMs;
  let req = request;
  let projectId = "id" in req.project ? req.project.id : undefined;
  for (;;) {
    const remaining = deadline - Date.now();
    // Only a call that may wait subscribes; the subscription ends with this iteration.
    const iteration = projectId !== undefined && remaining > 0 && !opts.signal.aborted ? linkedSignal(opts.signal) : undefined;
    const wake = iteration && events.waitForWork(projectId!, Math.min(remaining, RECHECK_MS), iteration.signal, {
        cpu: req.availableCpu,
        accelerators: req.availableAccelerators,
      });
    let outcome;
    try {
      outcome = await claimJobs(sql, req);
    } catch (err) {
      iteration?.end();
      throw err;
    }
    if (!outcome.workerFound) {
      iteration?.end();
      throw new NotFoundError("worker", req.workerId);
    }
    if (outcome.workerDeactivated) {
      iteration?.end();
      throw deactivatedWorker(req.workerId);
    }
    if (outcome.workerNotYours) {
      iteration?.end();
      throw notYourWorker(req.workerId);
    }
    if (outcome.projectId === null) {
      iteration?.end();
      throw new NotFoundError("project", "id" in req.project ? req.project.id : req.project.name);
    }
    if (outcome.jobs.length > 0 || remaining <= 0 || opts.signal.aborted) {
      iteration?.end();
      if (outcome.jobs.length > 0) {
        // Watchers see the claim; waiters ignore it (nothing became claimable).
        void events.jobsChanged(outcome.jobs.map((j) => ({ projectId: j.projectId, jobId: j.id, type: "updated", status: j.status })));
      }
      const numPending = outcome.pendingCapped ? estimate.estimate(outcome.projectId, outcome.pendingAfter) : outcome.pendingAfter;
      return { jobs: outcome.jobs, numPending };
    }
    if (!wake) {
      // The project was named: now that its id is known, subscribe and claim once more.
      projectId = outcome.projectId;
      req = { ...req, project: { id: projectId } };
      continue;
    }
    await wake;
    iteration!.end();
  }
}

/** A deactivated worker asked for work: it must register again first. */
export function deactivatedWorker(workerId: string): FailedPreconditionError {
  return new FailedPreconditionError(`worker ${JSON.stringify(workerId)} was deactivated: register it again (RegisterWorker) before it fetches jobs or heartbeats`, "WORKER_DEACTIVATED", { worker_id: workerId });
}

/** The caller's principal is not the one that registered the worker. */
export function notYourWorker(workerId: string): PermissionDeniedError {
  return new PermissionDeniedError(`this principal may not act as worker ${JSON.stringify(workerId)}: another principal registered it`);
}
