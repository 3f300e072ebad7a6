import type { Logger } from "pino";
import type { SqlDatabase } from "../db/executor.js";
import { REAP_BATCH, reapExpiredLeases } from "../db/statements/jobs/reap-expired-leases.js";
import { deactivateSilentWorkers } from "../db/statements/workers/deactivate-silent-workers.js";
import { blockDependents } from "./dependencies.js";
import type { JobChange, QueueEvents } from "./events/queue-events.js";

/** What one reaper pass did. */
export interface ReapResult {
  readonly requeued: number[];
  readonly failed: number[];
  readonly deactivatedWorkers: string[];
}

/**
 * One reaper pass: expired leases back to PENDING (or FAILED with no attempt
 * left, blocking the dependents in the same transaction), then silent workers
 * inactive. Safe on every replica at once; see reapExpiredLeases.
 */
export async function reapOnce(
  db: SqlDatabase,
  events: QueueEvents,
  opts: { backoffBaseSeconds: number; workerTimeoutSeconds: number },
): Promise<ReapResult> {
  const requeued: number[] = [];
  const failed: number[] = [];
  for (;;) {
    const { reaped, changes } = await db.transaction(async (tx) => {
      const reaped = await reapExpiredLeases(tx, opts.backoffBaseSeconds);
      const blocked = await blockDependents(tx, reaped.filter((j) => j.status === "failed").map((j) => j.id));
      const changes: JobChange[] = reaped.map((j) =>
        j.notBefore && j.status === "pending"
          ? { projectId: j.projectId, jobId: j.id, type: "updated", status: j.status, notBefore: j.notBefore }
          : { projectId: j.projectId, jobId: j.id, type: "updated", status: j.status },
      );
      return { reaped, changes: [...changes, ...blocked] };
    });
    await events.jobsChanged(changes);
    for (const j of reaped) (j.status === "failed" ? failed : requeued).push(j.id);
    if (reaped.length < REAP_BATCH) break;
  }
  const deactivatedWorkers = await deactivateSilentWorkers(db, opts.workerTimeoutSeconds);
  return { requeued, failed, deactivatedWorkers };
}

/**
 * Runs reapOnce every intervalMs until stopped; passes never overlap, and a
 * failing pass (database away) is logged and retried at the next tick.
 */
export class LeaseReaper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly db: SqlDatabase,
    private readonly events: QueueEvents,
    private readonly logger: Logger,
    private readonly opts: { intervalMs: number; backoffBaseSeconds: number; workerTimeoutSeconds: number },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.opts.intervalMs);
  }

  private async pass(): Promise<void> {
    try {
      const r = await reapOnce(this.db, this.events, this.opts);
      if (r.requeued.length + r.failed.length + r.deactivatedWorkers.length > 0) {
        this.logger.info({ requeued: r.requeued.length, failed: r.failed.length, deactivatedWorkers: r.deactivatedWorkers }, "reaped expired leases");
      }
    } catch (err) {
      this.logger.warn({ err }, "reaper pass failed; retrying at the next interval");
    }
  }
}
