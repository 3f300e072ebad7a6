import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";
import { JOB_STATUSES, type JobStatusValue } from "../db/entities/index.js";
import type { App } from "../server/app.js";
import { LimitExceededError } from "./errors.js";
import type { JobChange, JobChangeType, QueueEvents, WaiterCapacity } from "./events.js";

/** The one NOTIFY channel every replica listens on. */
export const JOB_CHANNEL = "whatsnext_jobs";

/**
 * Changes a watcher may have queued and not yet read. A consumer that falls
 * further behind is dropped with an error (it must watch again and re-read the
 * state): an unbounded buffer would let one slow dashboard exhaust memory.
 */
export const WATCH_BUFFER_LIMIT = 10_000;

/**
 * How often a replica says it is there (a NOTIFY with no changes), and how
 * long after the last word from another replica it still counts as there.
 * A replica that hears nobody sends no change notifications at all: every
 * NOTIFY costs a round trip, a commit on the shared notification queue and a
 * read on every listener, for nobody.
 */
export const PRESENCE_INTERVAL_MS = 2_000;
export const PRESENCE_TTL_MS = 3 * PRESENCE_INTERVAL_MS;

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; stay well below. */
const PAYLOAD_LIMIT = 7_500;

const TYPES: readonly JobChangeType[] = ["created", "updated", "deleted"];

/**
 * Creates the QueueEvents of the database kind: LISTEN/NOTIFY on PostgreSQL,
 * so that every replica's waiters and watchers hear every change, or an
 * in-process emitter on the embedded database (one process, one connection,
 * no LISTEN).
 */
export function createQueueEvents(app: App): QueueEvents {
  const bus = new LocalBus();
  if (app.db.kind === "embedded") return new InProcessEvents(bus);
  return new PostgresEvents(bus, app.db.url, app.logger.child({ component: "queue-events" }), async (payload) => {
    await app.db.sql.execute("select pg_notify(?, ?)", [JOB_CHANNEL, payload]);
  });
}

/** One long-poll FetchJob waiting for work in a project. */
interface Waiter {
  readonly deadline: number;
  readonly capacity: WaiterCapacity;
  timer: NodeJS.Timeout;
  wake(): void;
}

/** Whether a waiter with this capacity could claim a job with these needs. */
function fits(capacity: WaiterCapacity, requires: { readonly cpu: number; readonly accelerators: number }): boolean {
  return (capacity.cpu === null || requires.cpu <= capacity.cpu) && (capacity.accelerators === null || requires.accelerators <= capacity.accelerators);
}

const ANY_CAPACITY: WaiterCapacity = { cpu: null, accelerators: null };

/**
 * The waiters and watchers of this process and the dispatch of changes to
 * them. Wake-ups are direct: a change calls the waiters' resolve functions
 * synchronously, so a local CreateJob reaches a waiting FetchJob without any
 * polling.
 */
export class LocalBus {
  private readonly waiters = new Map<number, Set<Waiter>>();
  private readonly watchers = new Map<number, Set<Watcher>>();
  /** Per project, the earliest future not_before heard of: waiters wake then to retry a backoff that ended. */
  private readonly backoffEnds = new Map<number, number>();

  /**
   * Hands changes to watchers and wakes waiters. A new job whose needs are
   * known wakes one waiter it fits, the longest waiting first (waking them all
   * would send every one of them to claim the same job); any other change that
   * may have made work claimable wakes every waiter of the project.
   */
  dispatch(changes: readonly JobChange[]): void {
    const wakeAllOf = new Set<number>();
    const wakeOneFor = new Map<number, Array<NonNullable<JobChange["requires"]>>>();
    for (const c of changes) {
      for (const w of this.watchers.get(c.projectId) ?? []) w.push(c);
      if (c.status !== "pending" || c.type === "deleted") continue;
      const nb = c.notBefore?.getTime();
      if (nb !== undefined && nb > Date.now()) this.noteBackoff(c.projectId, nb);
      else if (!c.requires) wakeAllOf.add(c.projectId);
      else {
        const needs = wakeOneFor.get(c.projectId);
        if (needs) needs.push(c.requires);
        else wakeOneFor.set(c.projectId, [c.requires]);
      }
    }
    for (const p of wakeAllOf) for (const w of [...(this.waiters.get(p) ?? [])]) w.wake();
    for (const [p, needs] of wakeOneFor) {
      if (wakeAllOf.has(p)) continue;
      const waiting = [...(this.waiters.get(p) ?? [])];
      for (const requires of needs) {
        if (waiting.length === 0) break;
        const i = waiting.findIndex((w) => fits(w.capacity, requires));
        if (i < 0) continue;
        waiting.splice(i, 1)[0]!.wake();
      }
    }
  }

  /** Wakes every waiter: after a lost LISTEN connection nobody knows what was missed. */
  wakeAll(): void {
    for (const set of this.waiters.values()) for (const w of [...set]) w.wake();
  }

  private noteBackoff(projectId: number, at: number): void {
    const known = this.backoffEnds.get(projectId);
    if (known !== undefined && known > Date.now() && known <= at) return;
    this.backoffEnds.set(projectId, at);
    // Waiters already sleeping past the end of the backoff wake at its end instead.
    for (const w of this.waiters.get(projectId) ?? []) {
      if (w.deadline > at) {
        clearTimeout(w.timer);
        w.timer = setTimeout(() => w.wake(), at - Date.now() + 5);
      }
    }
  }

  waitForWork(projectId: number, timeoutMs: number, signal: AbortSignal, capacity: WaiterCapacity = ANY_CAPACITY): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || timeoutMs <= 0) return resolve();
      const now = Date.now();
      const deadline = now + timeoutMs;
      let at = deadline;
      const backoffEnd = this.backoffEnds.get(projectId);
      if (backoffEnd !== undefined) {
        if (backoffEnd <= now) this.backoffEnds.delete(projectId);
        else at = Math.min(at, backoffEnd + 5);
      }
      const set = this.waiters.get(projectId) ?? new Set<Waiter>();
      this.waiters.set(projectId, set);
      const onAbort = () => waiter.wake();
      const waiter: Waiter = {
        deadline,
        capacity,
        timer: setTimeout(onAbort, at - now),
        wake: () => {
          clearTimeout(waiter.timer);
          signal.removeEventListener("abort", onAbort);
          set.delete(waiter);
          if (set.size === 0 && this.waiters.get(projectId) === set) this.waiters.delete(projectId);
          resolve();
        },
      };
      set.add(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  watch(projectId: number, signal: AbortSignal): AsyncIterable<JobChange> {
    const set = this.watchers.get(projectId) ?? new Set<Watcher>();
    this.watchers.set(projectId, set);
    const watcher = new Watcher(() => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(projectId) === set) this.watchers.delete(projectId);
    });
    // Subscribed now, before anyone iterates: changes from here on are buffered.
    set.add(watcher);
    if (signal.aborted) watcher.end();
    else signal.addEventListener("abort", () => watcher.end(), { once: true });
    return watcher;
  }

  /** Ends every watcher (shutdown) and wakes every waiter. */
  close(): void {
    for (const set of this.watchers.values()) for (const w of [...set]) w.end();
    this.wakeAll();
  }
}

/** A subscription's bounded buffer, iterated once. */
class Watcher implements AsyncIterable<JobChange> {
  private readonly buffer: JobChange[] = [];
  private ended = false;
  private failure: Error | undefined;
  private notify: (() => void) | undefined;

  constructor(private readonly unsubscribe: () => void) {}

  push(change: JobChange): void {
    if (this.ended) return;
    if (this.buffer.length >= WATCH_BUFFER_LIMIT) {
      this.failure = new LimitExceededError(
        `the watch fell more than ${WATCH_BUFFER_LIMIT} changes behind and was dropped; watch again and re-read the jobs`,
      );
      this.end();
      return;
    }
    this.buffer.push(change);
    this.signal();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe();
    this.signal();
  }

  private signal(): void {
    const n = this.notify;
    this.notify = undefined;
    n?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JobChange> {
    try {
      for (;;) {
        const next = this.buffer.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.notify = resolve));
      }
    } finally {
      this.end();
    }
  }
}

/** The embedded database: one process, so the local bus is the whole story. */
class InProcessEvents implements QueueEvents {
  constructor(private readonly bus: LocalBus) {}
  async jobsChanged(changes: readonly JobChange[]): Promise<void> {
    this.bus.dispatch(changes);
  }
  waitForWork(projectId: number, timeoutMs: number, signal: AbortSignal, capacity?: WaiterCapacity): Promise<void> {
    return this.bus.waitForWork(projectId, timeoutMs, signal, capacity);
  }
  watch(projectId: number, signal: AbortSignal): AsyncIterable<JobChange> {
    return this.bus.watch(projectId, signal);
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.bus.close();
  }
}

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
class PostgresEvents implements QueueEvents {
  private readonly replica = randomUUID().slice(0, 8);
  private listener: pg.Client | undefined;
  private stopping = false;
  private reconnectDelay = 100;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private outbox: JobChange[] = [];
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
    if (this.outbox.length > 0) await this.flush().catch(() => undefined);
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
    if (!this.flushing) {
      this.flushing = this.flushLoop().finally(() => (this.flushing = undefined));
    }
  }

  private async flushLoop(): Promise<void> {
    // Let the changes of the current tick join this notification.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.outbox.length > 0) await this.flush();
  }

  private async flush(): Promise<void> {
    const batch = this.outbox;
    this.outbox = [];
    try {
      for (const payload of encodePayloads(this.replica, batch)) await this.notify(payload);
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

/**
 * The wire form of a batch of changes: `{"r": replica, "g": [[project, type,
 * status, [job ids...]], ...], "b": [[project, job id, not_before ms], ...]}`
 * with type and status as indexes. Grouping by (project, type, status) costs
 * about 8 bytes per job.
 */
interface Payload {
  r: string;
  g: Array<[number, number, number, number[]]>;
  b?: Array<[number, number, number]>;
}

/** Splits changes into JSON payloads under PostgreSQL's NOTIFY size limit. */
export function encodePayloads(replica: string, changes: readonly JobChange[]): string[] {
  const out: string[] = [];
  let current: Payload = { r: replica, g: [] };
  let size = 40;
  let groups = new Map<string, number[]>();
  const emit = () => {
    if (current.g.length > 0 || current.b) out.push(JSON.stringify(current));
    current = { r: replica, g: [] };
    groups = new Map();
    size = 40;
  };
  for (const c of changes) {
    const type = TYPES.indexOf(c.type);
    const status = c.status ? JOB_STATUSES.indexOf(c.status) : -1;
    const nb = c.notBefore?.getTime();
    const cost = nb !== undefined ? 40 : String(c.jobId).length + 1;
    if (size + cost + 40 > PAYLOAD_LIMIT) emit();
    if (nb !== undefined) {
      (current.b ??= []).push([c.projectId, c.jobId, nb]);
      size += cost;
      continue;
    }
    const key = `${c.projectId}:${type}:${status}`;
    let ids = groups.get(key);
    if (!ids) {
      ids = [];
      groups.set(key, ids);
      current.g.push([c.projectId, type, status, ids]);
      size += 30;
    }
    ids.push(c.jobId);
    size += cost;
  }
  emit();
  return out;
}

/** The inverse of encodePayloads. */
export function decodePayload(payload: string): { replica: string; changes: JobChange[] } {
  const p = JSON.parse(payload) as Payload;
  const changes: JobChange[] = [];
  for (const [projectId, type, status, ids] of p.g) {
    const t = TYPES[type];
    if (!t) continue;
    const s: JobStatusValue | undefined = status >= 0 ? JOB_STATUSES[status] : undefined;
    for (const jobId of ids) changes.push(s ? { projectId, jobId, type: t, status: s } : { projectId, jobId, type: t });
  }
  for (const [projectId, jobId, nb] of p.b ?? []) changes.push({ projectId, jobId, type: "updated", status: "pending", notBefore: new Date(nb) });
  return { replica: p.r, changes };
}
