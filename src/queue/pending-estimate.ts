import type { SqlExecutor } from "../db/executor.js";
import { countPendingJobs } from "../db/statements/jobs/count-pending-jobs.js";

/** How long a full count of a large queue is reused, at least. */
const REFRESH_MS = 5_000;

/**
 * A count is reused at least this many times as long as it took, so that
 * counting a huge queue (a million rows on a table vacuum has not visited is
 * a second of heap reads) takes at most a fiftieth of the database's time.
 */
const REUSE_PER_COUNT_TIME = 50;

/**
 * num_pending for large queues. The claim counts PENDING jobs only up to a
 * cap (a bounded index-only scan, so a claim stays cheap at a million pending);
 * past the cap this keeps a full count per project, refreshed in the
 * background at most every few seconds (less often when counting takes long)
 * and never on a request's path. The answer is then approximate: a few
 * seconds old, and never below what the capped count proved.
 */
/** A project's last full count: its value, when it ended, how long it took, and whether one runs now. */
interface Count {
  value: number;
  at: number;
  tookMs: number;
  refreshing: boolean;
}

export class PendingEstimate {
  private readonly counts = new Map<number, Count>();

  constructor(private readonly sql: SqlExecutor) {}

  /** The best known number of PENDING jobs of a project that has at least `atLeast`. */
  estimate(projectId: number, atLeast: number): number {
    const known = this.counts.get(projectId);
    const now = Date.now();
    if (!known || (now - known.at > Math.max(REFRESH_MS, known.tookMs * REUSE_PER_COUNT_TIME) && !known.refreshing)) this.refresh(projectId, known);
    return Math.max(atLeast, known?.value ?? 0);
  }

  private refresh(projectId: number, known: Count | undefined): void {
    const entry = known ?? { value: 0, at: 0, tookMs: 0, refreshing: false };
    entry.refreshing = true;
    this.counts.set(projectId, entry);
    const started = Date.now();
    countPendingJobs(this.sql, projectId)
      .then(
        (n) => {
          entry.value = n;
          entry.at = Date.now();
          entry.tookMs = entry.at - started;
        },
        () => undefined,
      )
      .finally(() => {
        entry.refreshing = false;
      });
  }
}
