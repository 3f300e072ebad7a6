import type { Logger } from "pino";
import type { SqlExecutor } from "../../db/executor.js";
import { notifyJobChanges } from "../../db/statements/notifications/notify-job-changes.js";
import { InProcessEvents } from "./in-process-events.js";
import { LocalBus } from "./local-bus.js";
import { JOB_CHANNEL, PostgresEvents } from "./postgres-events.js";
import type { QueueEvents } from "./queue-events.js";

/** What the queue's events need of the database. */
export interface EventsDatabase {
  readonly kind: "postgres" | "embedded";
  /** For the LISTEN connection of PostgreSQL. */
  readonly url: string;
  /** For NOTIFY. */
  readonly sql: SqlExecutor;
}

/**
 * The QueueEvents of the database kind: LISTEN/NOTIFY on PostgreSQL, so that
 * every replica's waiters and watchers hear every change, or an in-process
 * emitter on the embedded database (one process, one connection, no LISTEN).
 * Returns the local bus too, whose waiter count the metrics report.
 */
export function createQueueEvents(db: EventsDatabase, logger: Logger): { events: QueueEvents; bus: LocalBus } {
  const bus = new LocalBus();
  if (db.kind === "embedded") return { events: new InProcessEvents(bus), bus };
  const events = new PostgresEvents(bus, db.url, logger.child({ component: "queue-events" }), (payload) => notifyJobChanges(db.sql, JOB_CHANNEL, payload));
  return { events, bus };
}
