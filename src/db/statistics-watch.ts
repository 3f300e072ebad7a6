import type { Logger } from "pino";
import { Periodic } from "../periodic.js";
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
  private readonly loop: Periodic;
  private seen: number | undefined;

  constructor(
    private readonly db: SqlDatabase,
    private readonly logger: Logger,
    private readonly opts: { intervalMs: number; onRefresh?: () => void },
  ) {
    // The database away: the next pass tries again (health reports the outage).
    this.loop = new Periodic(opts.intervalMs, () => this.check());
  }

  /** Reads the count at once (the baseline), then every intervalMs. */
  start(): void {
    this.loop.start(0);
  }

  stop(): Promise<void> {
    return this.loop.stop();
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
}
