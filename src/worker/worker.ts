/**
 * The worker runtime: registers, heartbeats, long-polls FetchJob for as many
 * jobs as fit what is free, runs each through a formatter with its own
 * accelerators, and reports StartJob / FinishJob. It never sleeps between
 * jobs: with free capacity it is always inside a FetchJob that the server
 * answers as soon as a job is claimable.
 *
 * Stopping: stop() ends the polling, lets running jobs finish for the grace
 * period, then stops the rest and releases them (ReleaseJob: no attempt
 * used), and finally deactivates the worker so anything still leased to it
 * returns to the queue.
 */
import { hostname } from "node:os";
import type { Job } from "../../gen/whatsnext/v1/job_pb.js";
import { lastUtf8Bytes } from "../utf8-tail.js";
import type { JobForFormatting, RunOutcome } from "./formatters/types.js";
import { HeartbeatLoop } from "./heartbeat-loop.js";
import { environmentWith } from "./process-runner.js";
import { describeError, isFatal, reportWithRetries } from "./reporting-call.js";
import { ResourcePool, type Allocation } from "./resources.js";
import { WakeSignal } from "./wake-signal.js";
import { abortableDelay } from "./formatters/abortable-delay.js";
import {
  CLUSTER_OUTAGE_PAUSE_MS,
  DEFAULT_GRACE_MS,
  DEFAULT_WAIT_SECONDS,
  MAX_OUTPUT_TAIL_BYTES,
  type WorkerEvent,
  type WorkerOptions,
  type WorkerSummary,
} from "./worker-options.js";

export { DEFAULT_GRACE_MS, DEFAULT_WAIT_SECONDS, MAX_OUTPUT_TAIL_BYTES, type WorkerEvent, type WorkerOptions, type WorkerSummary };

interface RunningJob {
  job: Job;
  allocation: Allocation;
  abort: AbortController;
  /**
   * Set when the server cancelled the job (heartbeat) or took it away
   * (StartJob refused). A cancelled job is acknowledged with a FinishJob once
   * it stopped (the server keeps its output and stops naming it); a job taken
   * away has nothing to report.
   */
  lost?: { reason: string; acknowledge: boolean };
  done: Promise<void>;
}

/** One worker process's runtime; create, then run() until it resolves. */
export class WorkerRuntime {
  private readonly pool: ResourcePool;
  private readonly running = new Map<bigint, RunningJob>();
  private readonly pollAbort = new AbortController();
  private stopping = false;
  private stopReason = "";
  private releaseNow?: () => void;
  private readonly releaseSignal: Promise<void>;
  /** Woken when a job ends (capacity freed) and when a stop is requested. */
  private readonly changed = new WakeSignal();
  private heartbeats?: HeartbeatLoop;
  /** Set while the formatter's cluster does not answer: no claims until it resolves. */
  private clusterAway?: Promise<void>;
  private workerId = "";
  private readonly summary: WorkerSummary = { workerId: "", claimed: 0, succeeded: 0, failed: 0, cancelled: 0, released: 0 };

  constructor(private readonly options: WorkerOptions) {
    const slots = options.parallel ?? Math.max(1, options.cpus ?? 1);
    this.pool = new ResourcePool(options.cpus, options.acceleratorIds, slots, options.formatter.cpusHeld?.bind(options.formatter));
    this.releaseSignal = new Promise((resolve) => (this.releaseNow = resolve));
  }

  /** The id the server knows this worker by (after registration). */
  get id(): string {
    return this.workerId;
  }

  /**
   * Begins a graceful stop: no new jobs; running jobs get the grace period.
   * A second call stops and releases them at once.
   */
  stop(reason = "stop requested"): void {
    if (this.stopping) {
      this.releaseNow?.();
      return;
    }
    this.stopping = true;
    this.stopReason = reason;
    this.emit({ type: "stopping", reason, running: this.running.size });
    this.pollAbort.abort();
    this.changed.wake();
  }

  /** Registers and works until stopped (or --once / --max-jobs is satisfied); resolves with what it did. */
  async run(): Promise<WorkerSummary> {
    const o = this.options;
    const registered = await o.client.workers.registerWorker({
      id: o.id ?? "",
      name: o.name ?? hostname(),
      // With the name, lets the server take up this worker's identity again after a restart.
      host: hostname(),
      entity: o.entity ?? "",
      description: o.description ?? "",
      availableCpu: o.cpus,
      availableAccelerators: o.acceleratorIds?.length,
    });
    this.workerId = registered.worker!.id;
    this.summary.workerId = this.workerId;
    const heartbeatSeconds = o.heartbeatSeconds ?? (registered.heartbeatIntervalSeconds || Math.max(1, Math.floor((registered.leaseSeconds || 60) / 3)));
    this.emit({ type: "registered", workerId: this.workerId, leaseSeconds: registered.leaseSeconds, heartbeatSeconds });
    this.heartbeats = new HeartbeatLoop(o.client, this.workerId, heartbeatSeconds * 1000, {
      running: () => [...this.running.keys()],
      cancelled: (ids) => this.cancelled(ids),
      failed: (message) => this.emit({ type: "error", message }),
    });
    this.heartbeats.start();
    try {
      await this.claimLoop();
      await this.drain();
    } finally {
      this.heartbeats.stop();
      if (o.deactivateOnStop ?? true) {
        await this.report(() => o.client.workers.deactivateWorker({ workerId: this.workerId }), "deactivate the worker");
      }
      this.emit({ type: "stopped", ran: this.summary.claimed });
    }
    return { ...this.summary };
  }

  /** Jobs the server cancelled while this worker held them: stop them, and report nothing. */
  private cancelled(ids: readonly bigint[]): void {
    for (const id of ids) {
      const entry = this.running.get(id);
      if (entry && !entry.lost) {
        entry.lost = { reason: "cancelled on the server", acknowledge: true };
        entry.abort.abort();
      }
    }
  }

  private async claimLoop(): Promise<void> {
    const o = this.options;
    let failures = 0;
    while (!this.stopping) {
      if (this.clusterAway) {
        await Promise.race([this.clusterAway, this.changed.wait()]);
        continue;
      }
      const budget = this.remainingBudget();
      if (budget === 0) return;
      const free = this.pool.free();
      const want = Math.min(free.slots, budget);
      if (want <= 0) {
        await this.changed.wait();
        continue;
      }
      let jobs: Job[];
      try {
        const res = await o.client.workers.fetchJob(
          {
            workerId: this.workerId,
            project: { case: "projectId", value: o.projectId },
            availableCpu: free.cpu,
            availableAccelerators: free.accelerators,
            waitSeconds: o.waitSeconds ?? DEFAULT_WAIT_SECONDS,
            maxJobs: want,
          },
          { signal: this.pollAbort.signal },
        );
        jobs = res.jobs;
        failures = 0;
      } catch (err) {
        if (this.stopping) return;
        if (isFatal(err)) throw err;
        failures += 1;
        this.emit({ type: "error", message: `FetchJob failed (${describeError(err)}); trying again` });
        // Back off only after failures, never between jobs; a stop ends the pause.
        await this.changed.wait(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
        continue;
      }
      if (this.clusterAway) {
        // Claimed by a FetchJob already under way when the cluster went away: give them back untried.
        for (const job of jobs) void this.release(job, "cluster unavailable, not the job's fault: claimed while the worker was waiting for its cluster");
        continue;
      }
      for (const job of jobs) this.launch(job);
      if (o.once && jobs.length === 0 && this.summary.claimed === 0) return;
    }
  }

  /** How many more jobs this worker may claim (Infinity when unlimited). */
  private remainingBudget(): number {
    const o = this.options;
    const limit = o.once ? 1 : o.maxJobs;
    return limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, limit - this.summary.claimed);
  }

  private launch(job: Job): void {
    this.summary.claimed += 1;
    this.emit({ type: "claimed", jobId: job.id, name: job.name, task: job.taskName });
    if (this.stopping) {
      void this.release(job, `worker stopping (${this.stopReason})`);
      return;
    }
    const allocation = this.pool.allocate(job.requiredCpu, job.requiredAccelerators);
    if (!allocation) {
      // The server claims only what fits what we said was free; this guards against a mismatch.
      void this.release(job, `does not fit the worker's free resources (cpu ${job.requiredCpu}, accelerators ${job.requiredAccelerators})`);
      return;
    }
    const entry: RunningJob = { job, allocation, abort: new AbortController(), done: Promise.resolve() };
    this.running.set(job.id, entry);
    entry.done = this.execute(entry).finally(() => {
      this.pool.release(allocation);
      this.running.delete(job.id);
      this.changed.wake();
    });
  }

  private async execute(entry: RunningJob): Promise<void> {
    const { job, allocation } = entry;
    const o = this.options;
    const additions: Record<string, string> = {};
    if (o.setCudaVisibleDevices && o.acceleratorIds !== undefined) additions.CUDA_VISIBLE_DEVICES = allocation.accelerators.join(",");
    let started: Promise<void> = Promise.resolve();
    let outcome: RunOutcome;
    try {
      outcome = await o.formatter.run(toFormatterJob(job), {
        env: environmentWith(additions, o.env ?? process.env),
        signal: entry.abort.signal,
        onSchedulerState: (state) => this.emit({ type: "scheduler-state", jobId: job.id, ...state }),
        onStarted: (display) => {
          this.emit({ type: "started", jobId: job.id, command: display, accelerators: allocation.accelerators });
          started = o.client.workers.startJob({ jobId: job.id, workerId: this.workerId, command: display }).then(
            () => undefined,
            (err: unknown) => {
              // Not ours any more (cancelled, lease lost): stop running it. A cancel is acknowledged once it stopped.
              const reason = `StartJob refused: ${describeError(err)}`;
              entry.lost = { reason, acknowledge: /CANCELLED/.test(reason) };
              this.emit({ type: "error", jobId: job.id, message: reason });
              entry.abort.abort();
            },
          );
        },
      });
    } catch (err) {
      outcome = { success: false, exitCode: null, message: `worker error: ${describeError(err)}`, outputTail: "", command: "", aborted: false };
    }
    await started;
    if (entry.lost) {
      this.summary.cancelled += 1;
      this.emit({ type: "cancelled", jobId: job.id, message: entry.lost.reason });
      if (entry.lost.acknowledge) {
        await this.report(
          () =>
            o.client.workers.finishJob({
              jobId: job.id,
              workerId: this.workerId,
              success: false,
              exitCode: outcome.exitCode ?? undefined,
              message: `stopped: ${entry.lost!.reason} (${outcome.message})`,
              outputTail: lastUtf8Bytes(outcome.outputTail, MAX_OUTPUT_TAIL_BYTES),
            }),
          `acknowledge the cancel of job ${job.id}`,
        );
      }
      return;
    }
    if (outcome.aborted) {
      await this.release(job, `worker stopping (${this.stopReason}): ${outcome.message}`);
      return;
    }
    if (outcome.clusterUnavailable) {
      this.pauseClaimsUntilClusterAnswers(outcome.message);
      await this.release(job, `cluster unavailable, not the job's fault: ${outcome.message}`);
      return;
    }
    if (outcome.success) this.summary.succeeded += 1;
    else this.summary.failed += 1;
    this.emit({ type: "finished", jobId: job.id, success: outcome.success, exitCode: outcome.exitCode, message: outcome.message });
    await this.report(
      () =>
        o.client.workers.finishJob({
          jobId: job.id,
          workerId: this.workerId,
          success: outcome.success,
          exitCode: outcome.exitCode ?? undefined,
          message: outcome.message,
          outputTail: lastUtf8Bytes(outcome.outputTail, MAX_OUTPUT_TAIL_BYTES),
        }),
      `report job ${job.id} finished`,
    );
  }

  /** Stops claiming until the formatter's cluster answers again (or the worker stops). */
  private pauseClaimsUntilClusterAnswers(why: string): void {
    if (this.clusterAway) return;
    this.emit({ type: "error", message: `cluster unavailable (${why}); claiming no jobs until it answers` });
    const o = this.options;
    const signal = this.pollAbort.signal;
    const env = environmentWith({}, o.env ?? process.env);
    const back = o.formatter.waitUntilAvailable?.({ env, signal }) ?? abortableDelay(CLUSTER_OUTAGE_PAUSE_MS, signal);
    this.clusterAway = back
      .catch(() => undefined)
      .finally(() => {
        this.clusterAway = undefined;
        this.changed.wake();
      });
  }

  private async release(job: Job, reason: string): Promise<void> {
    this.summary.released += 1;
    this.emit({ type: "released", jobId: job.id, reason });
    await this.report(() => this.options.client.workers.releaseJob({ jobId: job.id, workerId: this.workerId, reason }), `release job ${job.id}`);
  }

  /** Waits for running jobs; once stopping, for the grace period only, then stops and releases the rest. */
  private async drain(): Promise<void> {
    if (this.running.size === 0) return;
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    if (!this.stopping) {
      await Promise.race([all(), this.stopRequested()]);
      if (this.running.size === 0) return;
    }
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.graceMs ?? DEFAULT_GRACE_MS);
    });
    await Promise.race([all(), grace, this.releaseSignal]);
    clearTimeout(timer);
    for (const entry of this.running.values()) entry.abort.abort();
    await all();
  }

  private async stopRequested(): Promise<void> {
    while (!this.stopping) await this.changed.wait();
  }

  private report(fn: () => Promise<unknown>, what: string): Promise<void> {
    return reportWithRetries(fn, (err) => this.emit({ type: "error", message: `could not ${what}: ${describeError(err)}` }));
  }

  private emit(event: WorkerEvent): void {
    this.options.onEvent?.(event);
  }
}

/** The part of a claimed job the formatters see. */
export function toFormatterJob(job: Job): JobForFormatting {
  return {
    id: Number(job.id),
    name: job.name,
    taskName: job.taskName,
    commandTemplate: job.commandTemplate,
    parameters: (job.parameters ?? {}) as Record<string, unknown>,
    requiredCpu: job.requiredCpu,
    requiredAccelerators: job.requiredAccelerators,
  };
}
