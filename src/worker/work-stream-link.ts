import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Job } from "../../gen/whatsnext/v1/job_pb.js";
import type { WorkCapacitySchema, WorkRequestSchema, WorkResponse, WorkResult } from "../../gen/whatsnext/v1/worker_pb.js";
import { AsyncQueue } from "../async-queue.js";
import type { WhatsNextClient } from "../client/connect.js";
import { describeError, isFatal } from "./reporting-call.js";

export type WorkCapacityInit = MessageInitShape<typeof WorkCapacitySchema>;
type WorkRequestInit = MessageInitShape<typeof WorkRequestSchema>;
type ReportKind = Extract<NonNullable<WorkRequestInit["kind"]>, { case: "start" | "finish" | "release" | "schedulerJob" }>;

/** What the link hands the worker, and asks of it when it (re)opens. */
export interface WorkStreamHandlers {
  /** Jobs claimed for the worker. */
  jobs(jobs: readonly Job[]): void;
  /** Held jobs cancelled on the server. */
  cancelled(jobIds: readonly bigint[]): void;
  /** Jobs the server took back when the stream (re)opened. */
  released(jobIds: readonly bigint[]): void;
  /** The jobs the worker runs now: named when a stream (re)opens, so their leases are kept. */
  running(): bigint[];
  /** The capacity to declare when a stream (re)opens. */
  capacity(): WorkCapacityInit;
  /** Something went wrong that the link handles itself (a broken stream it reopens). */
  error(message: string): void;
  /** A stream opened: the first, or one after a break. */
  opened(): void;
}

/** How long a broken stream waits before it opens again: doubling from half a second, at most 10 s. */
function reopenDelayMs(failures: number): number {
  return Math.min(10_000, 500 * 2 ** Math.min(failures - 1, 5));
}

/**
 * The worker's side of WorkerService.Work: one stream that brings claimed
 * jobs and cancels, and carries starts, finishes and releases. A report is
 * answered by its ref; one not answered when the stream breaks is sent
 * again on the next stream (the server takes a repeated report as the
 * first), so no report is lost to a broken connection. A broken stream is
 * opened again with backoff, naming the jobs the worker still runs, so a
 * reconnect within the lease keeps them.
 */
export class WorkStreamLink {
  private readonly unanswered = new Map<bigint, { request: WorkRequestInit; resolve: (r: WorkResult) => void }>();
  private nextRef = 1n;
  private outgoing: AsyncQueue<WorkRequestInit> | undefined;
  private responses: AsyncIterator<WorkResponse> | undefined;
  private connection: AbortController | undefined;
  private closing = false;
  private readonly closed = new AbortController();
  private allAnswered: (() => void) | undefined;
  /** run()'s end. */
  private finished: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: WhatsNextClient,
    private readonly workerId: string,
    private readonly projectId: bigint,
    private readonly handlers: WorkStreamHandlers,
  ) {}

  /**
   * Opens the first stream. Resolves true once the server answered it, false
   * when the server has no Work stream (an older server: use the unary
   * calls); rejects with what a worker cannot fix (a wrong key, no such
   * project or worker).
   */
  async open(): Promise<boolean> {
    try {
      await this.connect();
      return true;
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.Unimplemented) return false;
      throw err;
    }
  }

  /** Reads the stream until close(), opening it again whenever it breaks; rejects only with an error a worker cannot fix. */
  run(): Promise<void> {
    this.finished = this.loop();
    return this.finished;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    for (;;) {
      try {
        if (!this.responses) await this.connect();
        failures = 0;
        await this.read();
        if (this.closing) return;
        throw new ConnectError("the server ended the Work stream", Code.Unavailable);
      } catch (err) {
        this.responses = undefined;
        this.connection?.abort();
        if (this.closed.signal.aborted || (this.closing && this.unanswered.size === 0)) return;
        if (isFatal(err)) throw err;
        failures += 1;
        this.handlers.error(`the Work stream broke (${describeError(err)}); opening it again`);
        await this.pause(reopenDelayMs(failures));
        if (this.closed.signal.aborted) return;
      }
    }
  }

  /** Sends a start, finish, release or scheduler job and resolves with the server's answer (sent again on a new stream until answered). */
  report(kind: ReportKind): Promise<WorkResult> {
    const ref = this.nextRef++;
    const request: WorkRequestInit = { kind, ref };
    return new Promise((resolve) => {
      this.unanswered.set(ref, { request, resolve });
      this.outgoing?.push(request);
    });
  }

  /** Declares a new capacity (also used when the stream opens again). */
  setCapacity(capacity: WorkCapacityInit): void {
    this.outgoing?.push({ kind: { case: "capacity", value: capacity } });
  }

  /**
   * Ends the conversation: waits for every report to be answered, then
   * half-closes so the server ends the stream. After timeoutMs it gives up
   * (a server that stays away): the stream is cancelled and run() returns,
   * and the lease rules take care of what was not answered.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    const giveUp = setTimeout(() => this.abort(), timeoutMs);
    giveUp.unref();
    if (this.unanswered.size > 0 && !this.closed.signal.aborted) {
      await new Promise<void>((resolve) => {
        this.allAnswered = resolve;
        this.closed.signal.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    this.outgoing?.end();
    if (!this.responses) this.abort();
    // The server ends the stream once it answered; if it does not, giveUp cancels it.
    void this.finished.then(
      () => clearTimeout(giveUp),
      () => clearTimeout(giveUp),
    );
  }

  /** Stops at once: the stream is cancelled, unanswered reports are dropped (the lease rules take over). */
  abort(): void {
    this.closing = true;
    this.closed.abort();
    this.connection?.abort();
  }

  private async connect(): Promise<void> {
    const outgoing = new AsyncQueue<WorkRequestInit>();
    const connection = new AbortController();
    outgoing.push({
      kind: {
        case: "open",
        value: {
          workerId: this.workerId,
          project: { case: "projectId", value: this.projectId },
          running: this.handlers.running(),
          capacity: this.handlers.capacity(),
        },
      },
    });
    for (const { request } of this.unanswered.values()) outgoing.push(request);
    // Reopened only to deliver what was unanswered when the worker began to close: the server answers, then ends.
    if (this.closing) outgoing.end();
    const responses = this.client.workers.work(outgoing, { signal: connection.signal })[Symbol.asyncIterator]();
    this.outgoing = outgoing;
    this.connection = connection;
    const first = await responses.next();
    if (first.done) throw new ConnectError("the server ended the Work stream before opening it", Code.Unavailable);
    if (first.value.kind.case !== "opened") throw new ConnectError(`the Work stream opened with ${first.value.kind.case ?? "nothing"}`, Code.Internal);
    this.responses = responses;
    this.handlers.opened();
  }

  private async read(): Promise<void> {
    const responses = this.responses!;
    for (;;) {
      const next = await responses.next();
      if (next.done) return;
      const k = next.value.kind;
      switch (k.case) {
        case "jobs":
          this.handlers.jobs(k.value.jobs);
          break;
        case "cancelled":
          this.handlers.cancelled(k.value.ids);
          break;
        case "released":
          this.handlers.released(k.value.ids);
          break;
        case "result": {
          const waiting = this.unanswered.get(k.value.ref);
          if (!waiting) break;
          this.unanswered.delete(k.value.ref);
          waiting.resolve(k.value);
          if (this.unanswered.size === 0) this.allAnswered?.();
          break;
        }
        default:
          break;
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.closed.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.closed.signal.addEventListener("abort", done, { once: true });
    });
  }
}
