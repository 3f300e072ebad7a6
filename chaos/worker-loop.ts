import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import type { WorkerService } from "../gen/whatsnext/v1/worker_pb.js";
import type { Client } from "@connectrpc/connect";
import type { ChaosRpc, LedgerWriter, Stack } from "./ledger.js";
import { backoffMs, isRetryable } from "./retry-policy.js";
import { workerClient, type WorkerClient } from "./rpc-stacks.js";

/** One worker loop's identity and pace. */
export interface WorkerLoopSettings {
  readonly workerId: string;
  readonly stack: Stack;
  /** Both replicas; the loop starts on firstReplica and switches after each retryable failure. */
  readonly replicaUrls: readonly [string, string];
  readonly firstReplica: 0 | 1;
  readonly projectId: bigint;
  readonly workMinMs: number;
  readonly workMaxMs: number;
  /** FetchJob's wait_seconds. */
  readonly waitSeconds: number;
  /** How long the loop keeps retrying one call before it gives the call up. */
  readonly retryBudgetMs: number;
}

/** A call's outcome after its retries: the answer, or the code the loop stopped at. */
type CallOutcome<T> = { readonly ok: T } | { readonly code: Code };

/** The deadline of a call that does not wait: far above its normal time, so that it fires only on a hung call. */
const CALL_TIMEOUT_MS = 10_000;

/**
 * A worker as the issue describes one: FetchJob with wait, StartJob, a few
 * ms of simulated work, FinishJob; codes a client retries (retry-policy.ts)
 * are retried with backoff, alternating replicas; any other code gives the
 * job up (it is not retried, and the ledger says so). Every answer and every
 * step of every job goes to the ledger, which is what the run is judged by.
 */
export class WorkerLoop {
  private readonly clients: readonly [WorkerClient, WorkerClient];
  private current: 0 | 1;
  private stopping = false;
  /** The job the loop holds a lease on (between a claim and its finish or drop). */
  private held: bigint | undefined;
  /** The heartbeat under way, awaited before the connections close (closing them would cancel it). */
  private heartbeatInFlight: Promise<void> | undefined;

  constructor(
    private readonly settings: WorkerLoopSettings,
    private readonly ledger: LedgerWriter,
  ) {
    this.clients = [workerClient(settings.stack, settings.replicaUrls[0]), workerClient(settings.stack, settings.replicaUrls[1])];
    this.current = settings.firstReplica;
  }

  /** Finish the job in hand, then return from run(). */
  stop(): void {
    this.stopping = true;
  }

  /** Registers, then works until stop(); never rejects (failures are in the ledger). */
  async run(): Promise<void> {
    const { workerId } = this.settings;
    let heartbeatMs = 1000;
    for (;;) {
      const registered = await this.call("RegisterWorker", (c) => c.registerWorker({ id: workerId, name: workerId, entity: "chaos" }, { timeoutMs: CALL_TIMEOUT_MS }));
      if ("ok" in registered) {
        heartbeatMs = Math.max(250, registered.ok.heartbeatIntervalSeconds * 1000);
        break;
      }
      if (this.stopping) return this.close();
      await sleep(backoffMs(4));
    }
    const heartbeat = setInterval(() => {
      if (this.held === undefined || this.heartbeatInFlight) return;
      this.heartbeatInFlight = this.heartbeat().finally(() => (this.heartbeatInFlight = undefined));
    }, heartbeatMs);
    try {
      while (!this.stopping) await this.oneJob();
    } finally {
      clearInterval(heartbeat);
      await this.heartbeatInFlight;
      this.close();
    }
  }

  private async oneJob(): Promise<void> {
    const { workerId, projectId, waitSeconds } = this.settings;
    const fetched = await this.call("FetchJob", (c) =>
      c.fetchJob({ workerId, project: { case: "projectId", value: projectId }, waitSeconds, maxJobs: 1 }, { timeoutMs: waitSeconds * 1000 + CALL_TIMEOUT_MS }),
    );
    if (!("ok" in fetched)) {
      // A claim whose answer was lost cannot be known here: that job waits for its lease. Pause, then ask again.
      await sleep(backoffMs(4));
      return;
    }
    const job = fetched.ok.jobs[0];
    if (!job) return;
    const id = Number(job.id);
    this.held = job.id;
    this.ledger.write({ k: "claim", job: id, w: workerId, t: Date.now() });
    try {
      const started = await this.call("StartJob", (c) => c.startJob({ jobId: job.id, workerId, command: "chaos work" }, { timeoutMs: CALL_TIMEOUT_MS }));
      if (!("ok" in started)) return this.drop(id, "StartJob", started.code);
      this.ledger.write({ k: "begin", job: id, w: workerId, t: Date.now() });
      const { workMinMs, workMaxMs } = this.settings;
      await sleep(workMinMs + Math.random() * (workMaxMs - workMinMs));
      this.ledger.write({ k: "end", job: id, w: workerId, t: Date.now() });
      const finished = await this.call("FinishJob", (c) =>
        c.finishJob({ jobId: job.id, workerId, success: true, exitCode: 0, message: "done" }, { timeoutMs: CALL_TIMEOUT_MS }),
      );
      if (!("ok" in finished)) return this.drop(id, "FinishJob", finished.code);
      this.ledger.write({ k: "finish", job: id, w: workerId, t: Date.now() });
    } finally {
      this.held = undefined;
    }
  }

  private drop(job: number, rpc: ChaosRpc, code: Code): void {
    this.ledger.write({ k: "drop", job, w: this.settings.workerId, t: Date.now(), rpc, code });
  }

  /** Extends the lease of the job in hand every heartbeat interval, as a worker must; it matters when a call about the job is retried through an outage. */
  private async heartbeat(): Promise<void> {
    try {
      const { workerId } = this.settings;
      const beat = (c: Client<typeof WorkerService>) => c.heartbeat({ workerId }, { timeoutMs: CALL_TIMEOUT_MS });
      try {
        await this.once("Heartbeat", beat);
      } catch (err) {
        // The replica in use may be the one that is down: try the other before the lease runs out.
        if (!isRetryable(ConnectError.from(err).code)) throw err;
        this.current = this.current === 0 ? 1 : 0;
        await this.once("Heartbeat", beat);
      }
    } catch {
      // recorded; the next tick tries again
    }
  }

  /** One call with retries of retryable codes (backoff, other replica) until it answers, fails otherwise, or the budget is spent. */
  private async call<T>(rpc: ChaosRpc, fn: (c: Client<typeof WorkerService>) => Promise<T>): Promise<CallOutcome<T>> {
    const started = performance.now();
    for (let retry = 0; ; retry++) {
      try {
        return { ok: await this.once(rpc, fn) };
      } catch (err) {
        const e = ConnectError.from(err);
        if (!isRetryable(e.code) || performance.now() - started > this.settings.retryBudgetMs) return { code: e.code };
        if (rpc === "FetchJob" && this.stopping) return { code: e.code };
        this.current = this.current === 0 ? 1 : 0;
        const retryAfter = Number(e.metadata.get("retry-after"));
        await sleep(backoffMs(retry, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined));
      }
    }
  }

  /** One call on the current replica; its answer goes to the ledger. */
  private async once<T>(rpc: ChaosRpc, fn: (c: Client<typeof WorkerService>) => Promise<T>): Promise<T> {
    const { workerId: w, stack } = this.settings;
    try {
      const value = await fn(this.clients[this.current].client);
      this.ledger.write({ k: "call", w, t: Date.now(), rpc, stack, code: 0 });
      return value;
    } catch (err) {
      const e = ConnectError.from(err);
      this.ledger.write({ k: "call", w, t: Date.now(), rpc, stack, code: e.code, msg: e.rawMessage.slice(0, 160) });
      throw e;
    }
  }

  private close(): void {
    for (const c of this.clients) c.close();
  }
}
