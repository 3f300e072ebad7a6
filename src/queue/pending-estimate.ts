import type { SqlExecutor } from "../db/executor.js";
import { countPendingJobs } from "../db/statements/jobs/count-pending-jobs.js";

/** How long a full count of a large queue is reused. */
const REFRESH_MS = 5_000;

/**
 * num_pending for large queues. The claim counts PENDING jobs only up to a
 * cap (a bounded index-only scan, so a claim stays cheap at a million pending);
 * past the cap this keeps a full count per project, refreshed in the
 * background at most every few seconds and never on a request's path. The
 * answer is then approximate: at most REFRESH_MS old, and never below what
 * the capped count proved.
 */
export class PendingEstimate {
  private readonly counts = new Map<number, { value: number; at: number; refreshing: boolean }>();

  constructor(private readonly sql: SqlExecutor) {}

  /** The best known number of PENDING jobs of a project that has at least `atLeast`. */
  estimate(projectId: number, atLeast: number): number {
    const known = this.counts.get(projectId);
    const now = Date.now();
    if (!known || (now - known.at > REFRESH_MS && !known.refreshing)) this.refresh(projectId, known);
    return Math.max(atLeast, known?.value ?? 0);
  }

  private refresh(projectId: number, known: { value: number; at: number; refreshing: boolean } | undefined): void {
    const entry = known ?? { value: 0, at: 0, refreshing: false };
    entry.refreshing = true;
    this.counts.set(projectId, entry);
    countPendingJobs(this.sql, projectId)
      .then(
        (n) => {
          entry.value = n;
          entry.at = Date.now();
        },
        () => undefined,
      )
      .finally(() => {
        entry.refreshing = false;
      });
  }
}
