import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import type { JobWake } from "./job-wake.js";
import type { LocalBus } from "./local-bus.js";
import { decodePayload, encodeOutputPayloads, encodePayloads, type Payload } from "./notify-payload.js";
import type { JobChange, QueueEvents, WaiterCapacity } from "./queue-events.js";

/** The one NOTIFY channel every replica listens on. */
export const JOB_CHANNEL = "whatsnext_jobs";

/**
 * How often a replica says it is there (a NOTIFY with no changes), and how
 * long after the last word from another replica it still counts as there.
 * A replica that hears nobody sends no change notifications at all: every
 * NOTIFY costs a round trip, a commit on the shared notification queue and a
 * read on every listener, for nobody.
 */
export const PRESENCE_INTERVAL_MS = 2_000;
export const PRESENCE_TTL_MS = 3 * PRESENCE_INTERVAL_MS;

/**
 * PostgreSQL: changes are dispatched locally at once (the direct path for this
 * replica's waiters) and sent to the other replicas with pg_notify on one
 * channel. While one notify is in flight, further changes accumulate and go
 * out together, so a busy replica sends few, full notifications. A dedicated
 * client LISTENs and reconnects with backoff when its connection drops.
 *
 * Presence: every replica says hello (an empty notification) when it starts
 * listening and every PRESENCE_INTERVAL_MS, and answers at once a hello from
 * a replica it had not heard lately, so two replicas know of each other within
 * a round trip of the second one's start, before it serves any call. Changes
 * are sent only while another replica was heard within PRESENCE_TTL_MS.
 */
export class PostgresEvents implements QueueEvents {
  private readonly replica = randomUUID().slice(0, 8);
  private listener: pg.Client | undefined;
  private stopping = false;
  private reconnectDelay = 100;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private outbox: JobChange[] = [];
  /** Jobs with new output not yet told to the other replicas. */
  private outputOutbox = new Set<number>();
  private flushing: Promise<void> | undefined;
  /** Other replicas heard from, by id, with when they were last heard. */
  private readonly others = new Map<string, number>();
  private presenceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: LocalBus,
    private readonly url: string,
    private readonly logger: Logger,
    private readonly notify: (payload: string) => Promise<void>,
  ) {}

  async start(): Promise<void> {
    await this.connect();
    this.presenceTimer = setInterval(() => void this.sayHello(), PRESENCE_INTERVAL_MS);
    this.presenceTimer.unref();
  }

  /** True while another replica was heard from lately: only then do changes need to go out. */
  private othersListening(): boolean {
    const now = Date.now();
    for (const [replica, at] of this.others) {
      if (now - at <= PRESENCE_TTL_MS) return true;
      this.others.delete(replica);
    }
    return false;
  }

  private async sayHello(): Promise<void> {
    try {
      await this.notify(JSON.stringify({ r: this.replica, g: [] } satisfies Payload));
    } catch (err) {
      this.logger.warn({ err }, "could not announce this replica");
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.presenceTimer);
    clearTimeout(this.reconnectTimer);
    await this.flushing?.catch(() => undefined);
    if (this.outbox.length > 0 || this.outputOutbox.size > 0) await this.flush().catch(() => undefined);
    this.bus.close();
    const l = this.listener;
    this.listener = undefined;
    await l?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: "whatsnext-listener" });
    client.on("notification", (msg) => {
      if (msg.channel === JOB_CHANNEL && msg.payload) this.receive(msg.payload);
    });
    const lost = (err?: Error) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      if (this.stopping) return;
      this.logger.warn({ err }, "lost the LISTEN connection; reconnecting");
      this.scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    await client.connect();
    await client.query(`listen ${JOB_CHANNEL}`);
    this.listener = client;
    this.reconnectDelay = 100;
    // Listening now: tell the others, who answer, so each side knows to send its changes.
    await this.sayHello();
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.connect().then(
        () => {
          this.logger.info("LISTEN connection restored");
          // Changes sent while we were away are lost: let every waiter look again.
          this.bus.wakeAll();
        },
        (err: unknown) => {
          this.logger.warn({ err }, "could not restore the LISTEN connection");
          this.reconnectDelay = Math.min(this.reconnectDelay * 2, 5_000);
          if (!this.stopping) this.scheduleReconnect();
        },
      );
    }, this.reconnectDelay);
  }

  private receive(payload: string): void {
    try {
      const decoded = decodePayload(payload);
      if (decoded.replica === this.replica) return;
      const last = this.others.get(decoded.replica);
      const known = last !== undefined && Date.now() - last <= PRESENCE_TTL_MS;
      this.others.set(decoded.replica, Date.now());
      // A replica we had not heard lately may not know of us either: answer so it sends us its changes.
      if (!known) void this.sayHello();
      this.bus.dispatch(decoded.changes);
      if (decoded.output.length > 0) this.bus.pokeJobs(decoded.output);
    } catch (err) {
      this.logger.warn({ err }, "ignored a malformed job notification");
    }
  }

  /**
   * Resolves once this replica's waiters and watchers have the changes; the
   * NOTIFY to the other replicas goes out in the background, so a caller never
   * waits behind other callers' notifications.
   */
  async jobsChanged(changes: readonly JobChange[]): Promise<void> {
    if (changes.length === 0) return;
    this.bus.dispatch(changes);
    if (!this.othersListening()) return;
    this.outbox.push(...changes);
    this.startFlushing();
  }

  /** Like jobsChanged, for new output: this replica's followers at once, the others by NOTIFY. */
  async outputAppended(jobIds: readonly number[]): Promise<void> {
    if (jobIds.length === 0) return;
    this.bus.pokeJobs(jobIds);
    if (!this.othersListening()) return;
    for (const id of jobIds) this.outputOutbox.add(id);
    this.startFlushing();
  }

  wakeOnJob(jobId: number, signal: AbortSignal): JobWake {
    return this.bus.wakeOnJob(jobId, signal);
  }

  private startFlushing(): void {
    if (!this.flushing) {
      this.flushing = this.flushLoop().finally(() => (this.flushing = undefined));
    }
  }

  private async flushLoop(): Promise<void> {
    // Let the changes of the current tick join this notification.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.outbox.length > 0 || this.outputOutbox.size > 0) await this.flush();
  }

  private async flush(): Promise<void> {
    const batch = this.outbox;
    this.outbox = [];
    const output = [...this.outputOutbox];
    this.outputOutbox.clear();
    try {
      for (const payload of encodePayloads(this.replica, batch)) await this.notify(payload);
      for (const payload of encodeOutputPayloads(this.replica, output)) await this.notify(payload);
    } catch (err) {
      // Other replicas' waiters still recheck periodically; a lost notification only delays them.
      this.logger.warn({ err, changes: batch.length }, "could not send job notifications");
    }
  }

  waitForWork(projectId: number, timeoutMs: number, signal: AbortSignal, capacity?: WaiterCapacity): Promise<void> {
    return this.bus.waitForWork(projectId, timeoutMs, signal, capacity);
  }

  watch(projectId: number, signal: AbortSignal): AsyncIterable<JobChange> {
    return this.bus.watch(projectId, signal);
  }
}

