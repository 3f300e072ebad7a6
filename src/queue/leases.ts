import type { Logger } from "pino";
import type { SqlDatabase } from "../db/executor.js";
import { deleteExpiredOutput } from "../db/statements/job-output/delete-expired-output.js";
import { deleteFinishedJobs } from "../db/statements/jobs/delete-finished-jobs.js";
import { REAP_BATCH, reapExpiredLeases } from "../db/statements/jobs/reap-expired-leases.js";
import { deactivateSilentWorkers } from "../db/statements/workers/deactivate-silent-workers.js";
import { Periodic } from "../periodic.js";
import { blockDependents } from "./dependencies.js";
import type { JobChange, QueueEvents } from "./events/queue-events.js";

/** What one reaper pass did. */
export interface ReapResult {
  readonly requeued: number[];
  readonly failed: number[];
  readonly deactivatedWorkers: string[];
  /** Finished jobs removed by retention. */
  readonly deletedJobs: number;
  /** Ended attempts whose output was removed by output retention. */
  readonly expiredOutputs: number;
}

/** What a reaper pass needs to know. */
export interface ReaperSettings {
  /** Leases that may expire under one job before it fails instead of returning to the queue. */
  readonly maxLostLeases: number;
  readonly workerTimeoutSeconds: number;
  /** Finished jobs older than this are deleted; 0 keeps them forever. */
  readonly retentionSeconds: number;
  /** The output of attempts that ended longer ago than this is deleted; 0 (or absent) keeps it as long as its job. */
  readonly outputRetentionSeconds?: number;
}

/**
 * One reaper pass: expired leases back to PENDING (or FAILED past the limit of
 * lost leases, blocking the dependents in the same transaction), silent
 * workers inactive, and finished jobs past retention deleted, each in bounded
 * batches. Safe on every replica at once (SKIP LOCKED and repeated guards).
 */
export async function reapOnce(db: SqlDatabase, events: QueueEvents, opts: ReaperSettings): Promise<ReapResult> {
  const requeued: number[] = [];
  const failed: number[] = [];
  for (;;) {
    const { reaped, changes } = await db.transaction(async (tx) => {
      const reaped = await reapExpiredLeases(tx, opts.maxLostLeases);
      const blocked = await blockDependents(tx, reaped.filter((j) => j.status === "failed").map((j) => j.id));
      const changes: JobChange[] = reaped.map((j) => ({ projectId: j.projectId, jobId: j.id, type: "updated", status: j.status }));
      return { reaped, changes: [...changes, ...blocked] };
    });
    await events.jobsChanged(changes);
    for (const j of reaped) (j.status === "failed" ? failed : requeued).push(j.id);
    if (reaped.length < REAP_BATCH) break;
  }
  const deactivatedWorkers = await deactivateSilentWorkers(db, opts.workerTimeoutSeconds);
  let deletedJobs = 0;
  if (opts.retentionSeconds > 0) {
    const deleted = await deleteFinishedJobs(db, opts.retentionSeconds, REAP_BATCH);
    deletedJobs = deleted.length;
    await events.jobsChanged(deleted.map((j) => ({ projectId: j.projectId, jobId: j.id, type: "deleted" })));
  }
  let expiredOutputs = 0;
  if ((opts.outputRetentionSeconds ?? 0) > 0) expiredOutputs = await deleteExpiredOutput(db, opts.outputRetentionSeconds!, REAP_BATCH);
  return { requeued, failed, deactivatedWorkers, deletedJobs, expiredOutputs };
}

/**
 * Runs reapOnce every intervalMs until stopped; passes never overlap, and a
 * failing pass (database away) is logged and retried at the next tick.
 */
export class LeaseReaper {
  private readonly loop: Periodic;

  constructor(
    private readonly db: SqlDatabase,
    private readonly events: QueueEvents,
    private readonly logger: Logger,
    private readonly opts: ReaperSettings & { intervalMs: number; onPass?: (result: ReapResult) => void },
  ) {
    this.loop = new Periodic(opts.intervalMs, () => this.pass());
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async pass(): Promise<void> {
    try {
      const r = await reapOnce(this.db, this.events, this.opts);
      this.opts.onPass?.(r);
      if (r.requeued.length + r.failed.length + r.deactivatedWorkers.length + r.deletedJobs + r.expiredOutputs > 0) {
        this.logger.info(
          { requeued: r.requeued.length, failed: r.failed.length, deactivatedWorkers: r.deactivatedWorkers, deletedFinishedJobs: r.deletedJobs, expiredOutputs: r.expiredOutputs },
          "reaped expired leases",
        );
      }
    } catch (err) {
      this.logger.warn({ err }, "reaper pass failed; retrying at the next interval");
    }
  }
}
