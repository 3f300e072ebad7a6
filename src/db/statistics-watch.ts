import type { Logger } from "pino";
import type { SqlDatabase } from "./executor.js";
import { countJobTableAnalyzes } from "./statements/statistics/count-job-table-analyzes.js";

/**
 * Fresh plans after an ANALYZE of the job tables.
 *
 * Every statement is prepared once per connection (executor.ts), and for a
 * prepared statement PostgreSQL plans the first five calls with their values
 * (custom plans), then uses a generic plan for as long as its cost is not
 * above the average cost of the custom plans made so far. That average keeps
 * every custom plan the connection ever made: after the queue grew from a
 * thousand jobs to a million and was analysed, the new generic plan costs
 * more than the average of plans made on the small table, so the connection
 * plans the claim again on every call (measured: 1.5 ms a claim against
 * 0.8 ms on a fresh connection, still 1.1 ms two thousand calls later).
 *
 * So this watches how many times the job tables have been analysed, every
 * intervalMs; when the number moves, it has the executor replace the
 * connections opened before, whose statements are then prepared and weighed
 * on today's statistics alone. Autoanalyze runs at most about once a minute
 * per table, and a connection costs a few milliseconds to open.
 */
export class StatisticsWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private seen: number | undefined;

  constructor(
    private readonly db: SqlDatabase,
    private readonly logger: Logger,
    private readonly opts: { intervalMs: number; onRefresh?: () => void },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Reads the count once; replaces the connections when it moved since the last read. */
  async check(): Promise<void> {
    const analyzes = await countJobTableAnalyzes(this.db);
    const before = this.seen;
    this.seen = analyzes;
    if (before === undefined || before === analyzes) return;
    this.db.retireConnections();
    this.opts.onRefresh?.();
    this.logger.debug({ analyzes }, "the job tables were analysed: database connections are replaced so statements are planned on the new statistics");
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.check()
        // The database away: the next tick tries again (health reports the outage).
        .catch(() => undefined)
        .finally(() => {
          this.running = undefined;
          this.schedule(this.opts.intervalMs);
        });
    }, ms);
    this.timer.unref();
  }
}
