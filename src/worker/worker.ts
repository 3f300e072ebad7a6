/**
 * The worker runtime: registers, then opens a Work stream on which the
 * server pushes claimed jobs as soon as they exist (within the capacity the
 * worker declared) and cancels at once, and over which starts, finishes and
 * releases are reported; the open stream keeps the leases alive. Against a
 * server without the stream it heartbeats and long-polls FetchJob for as
 * many jobs as fit what is free, and reports with the unary calls. Either
 * way it runs each job through a formatter with its own accelerators and
 * never sleeps between jobs.
 *
 * Stopping: stop() ends the polling, lets running jobs finish for the grace
 * period, then stops the rest and releases them (ReleaseJob: no attempt
 * used), and finally deactivates the worker so anything still leased to it
 * returns to the queue. Jobs submitted to a scheduler (SLURM) are left
 * running and handed over (cancelOnStop: cancelled): the worker reports each
 * scheduler job when submitted, and the next claim of a job carries it, so
 * the next worker follows it instead of submitting the job again.
 */
import { hostname } from "node:os";
import type { Job } from "../../gen/whatsnext/v1/job_pb.js";
import { lastUtf8Bytes } from "../utf8-tail.js";
import { LeaveRunning } from "./formatters/leave-running.js";
import type { JobForFormatting, RunOutcome, SchedulerHandle } from "./formatters/types.js";
import { JobStatus } from "../../gen/whatsnext/v1/common_pb.js";
import type { WorkResult } from "../../gen/whatsnext/v1/worker_pb.js";
import { HeartbeatLoop } from "./heartbeat-loop.js";
import { checkpointEnvironment, checkpointHintFile, discardCheckpointHint, takeCheckpointHint } from "./preemption.js";
import { shipJobOutput } from "./output-shipper.js";
import { environmentWith } from "./process-runner.js";
import { describeError, isFatal, reportWithRetries } from "./reporting-call.js";
import { ResourcePool, type Allocation } from "./resources.js";
import { availableTime } from "./walltime.js";
import { WakeSignal } from "./wake-signal.js";
import { WorkStreamLink, type WorkCapacityInit } from "./work-stream-link.js";
import { abortableDelay } from "./formatters/abortable-delay.js";
import {
  CLUSTER_OUTAGE_PAUSE_MS,
  DEFAULT_GRACE_MS,
  DEFAULT_WAIT_SECONDS,
  MAX_OUTPUT_TAIL_BYTES,
  REPORT_DRAIN_MS,
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
  /** Set by preempt(): stopped jobs go back as preempted, with their checkpoint hints. */
  private preempting = false;
  private stopReason = "";
  private releaseNow?: () => void;
  private readonly releaseSignal: Promise<void>;
  /** Woken when a job ends (capacity freed) and when a stop is requested. */
  private readonly changed = new WakeSignal();
  private heartbeats?: HeartbeatLoop;
  /** The FetchJob waiting now (unary calls only), so that freed room can replace it. */
  private fetchWaiting?: AbortController;
  /** The Work stream, when the server has one; unary calls otherwise. */
  private link?: WorkStreamLink;
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
    this.link?.setCapacity(this.capacity());
    this.changed.wake();
  }

  /**
   * Preemption (SLURM's SIGTERM before a requeue, an eviction): stops every
   * running job at once and releases it as preempted, with the checkpoint
   * hint it wrote; no attempt is spent. Then the worker ends.
   */
  preempt(reason = "preempted"): void {
    this.preempting = true;
    this.stop(reason);
    this.releaseNow?.();
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
    // --once with no wait asks once and takes what is there: one FetchJob, not a stream that pushes a moment later.
    const askOnce = o.once && (o.waitSeconds ?? DEFAULT_WAIT_SECONDS) === 0;
    const link = (o.stream ?? true) && !askOnce ? await this.openStream() : undefined;
    if (!link) {
      this.emit({ type: "connected", via: "unary" });
      this.heartbeats = new HeartbeatLoop(o.client, this.workerId, heartbeatSeconds * 1000, {
        running: () => [...this.running.keys()],
        cancelled: (ids) => this.cancelled(ids),
        failed: (message) => this.emit({ type: "error", message }),
      });
      this.heartbeats.start();
    }
    // A stream that fails for good (a revoked key) stops the worker and is rethrown once its jobs are dealt with.
    let linkFailure: unknown;
    const linkDone = link?.run().catch((err: unknown) => {
      linkFailure = err;
      this.stop(`the Work stream failed: ${describeError(err)}`);
      this.stop();
    });
    try {
      if (link) await this.streamClaimLoop();
      else await this.claimLoop();
      await this.drain();
    } finally {
      this.heartbeats?.stop();
      if (link) {
        await link.close(REPORT_DRAIN_MS);
        await linkDone;
      }
      if (o.deactivateOnStop ?? true) {
        await this.report(() => o.client.workers.deactivateWorker({ workerId: this.workerId }), "deactivate the worker");
      }
      this.emit({ type: "stopped", ran: this.summary.claimed });
    }
    if (linkFailure !== undefined) throw linkFailure;
    return { ...this.summary };
  }

  /** Opens the Work stream; undefined when the server has none (an older server), so the unary calls are used. */
  private async openStream(): Promise<WorkStreamLink | undefined> {
    const link = new WorkStreamLink(this.options.client, this.workerId, this.options.projectId, {
      jobs: (jobs) => this.pushed(jobs),
      cancelled: (ids) => this.cancelled(ids),
      released: (ids) => this.takenBack(ids),
      running: () => [...this.running.keys()],
      capacity: () => this.capacity(),
      error: (message) => this.emit({ type: "error", message }),
      opened: () => this.emit({ type: "connected", via: "stream" }),
    });
    if (await link.open()) {
      this.link = link;
      return link;
    }
    this.emit({ type: "error", message: "the server has no Work stream (an older version): using FetchJob, Heartbeat and the unary reports" });
    return undefined;
  }

  /** What the worker can run, for the server's account: all of it (the server subtracts what it holds for us). */
  private capacity(): WorkCapacityInit {
    const o = this.options;
    const budget = this.remainingBudget();
    return {
      jobs: Math.min(this.pool.slots, 1000),
      cpu: o.cpus,
      accelerators: o.acceleratorIds?.length,
      cpuPerJobFloor: this.pool.cpusHeldAtLeast,
      remainingJobs: Number.isFinite(budget) ? Math.max(1, budget) : 0,
      availableTime: availableTime(o.deadline),
      paused: this.stopping || this.clusterAway !== undefined || budget === 0,
    };
  }

  /** Jobs the stream brought: run them (or give them back when the worker cannot). */
  private pushed(jobs: readonly Job[]): void {
    for (const job of jobs) {
      if (this.clusterAway) void this.release(job, "cluster unavailable, not the job's fault: claimed while the worker was waiting for its cluster");
      else this.launch(job);
    }
    this.changed.wake();
  }

  /** Jobs the server took back when the stream opened again (their lease had lapsed): stop them, report nothing. */
  private takenBack(ids: readonly bigint[]): void {
    for (const id of ids) {
      const entry = this.running.get(id);
      if (entry && !entry.lost) {
        entry.lost = { reason: "the server gave the job back to the queue while the stream was broken", acknowledge: false };
        // Whoever claims it next inherits its scheduler job: stop following it, do not cancel it.
        entry.abort.abort(new LeaveRunning(entry.lost.reason));
      }
    }
  }

  /** On the stream, jobs come as they are claimed: wait until stopped or the budget is spent. */
  private async streamClaimLoop(): Promise<void> {
    const o = this.options;
    if (o.once) {
      // One job, or none within the wait: the same promise as one FetchJob.
      const deadline = Date.now() + (o.waitSeconds ?? DEFAULT_WAIT_SECONDS) * 1000;
      while (!this.stopping && this.summary.claimed === 0 && Date.now() < deadline) await this.changed.wait(deadline - Date.now());
      if (this.summary.claimed === 0) {
        // Nothing came: claim nothing more (a job pushed from now on goes back), quietly, as an empty FetchJob would.
        this.stopping = true;
        this.stopReason = "no job within the wait";
        this.link?.setCapacity(this.capacity());
      }
      return;
    }
    while (!this.stopping && this.remainingBudget() > 0) await this.changed.wait();
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

  /**
   * Without the stream: long-polls FetchJob for what is free. When a job
   * ends while a FetchJob waits, that FetchJob is cancelled and another
   * asks at once with everything free now (a job needing the freed and the
   * already free resources together could not come otherwise until the wait
   * ended); the server gives back anything the cancelled call had claimed.
   */
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
      const call = new AbortController();
      const onStop = () => call.abort();
      this.pollAbort.signal.addEventListener("abort", onStop, { once: true });
      this.fetchWaiting = call;
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
            availableTime: availableTime(o.deadline),
          },
          { signal: call.signal },
        );
        jobs = res.jobs;
        failures = 0;
      } catch (err) {
        if (this.stopping) return;
        if (call.signal.aborted) continue; // room freed: ask again with it
        if (isFatal(err)) throw err;
        failures += 1;
        this.emit({ type: "error", message: `FetchJob failed (${describeError(err)}); trying again` });
        // Back off only after failures, never between jobs; a stop ends the pause.
        await this.changed.wait(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
        continue;
      } finally {
        this.fetchWaiting = undefined;
        this.pollAbort.signal.removeEventListener("abort", onStop);
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
      // A FetchJob waiting with the smaller room is replaced by one with this job's share too.
      this.fetchWaiting?.abort();
      this.changed.wake();
    });
  }

  private async execute(entry: RunningJob): Promise<void> {
    const { job, allocation } = entry;
    const o = this.options;
    const additions: Record<string, string> = {};
    if (o.setCudaVisibleDevices && o.acceleratorIds !== undefined) additions.CUDA_VISIBLE_DEVICES = allocation.accelerators.join(",");
    const hintFile = o.formatter.name === "cli" ? checkpointHintFile(job) : undefined;
    Object.assign(additions, checkpointEnvironment(job, hintFile));
    let started: Promise<void> = Promise.resolve();
    let submitted: Promise<void> = Promise.resolve();
    const inherited = job.inheritedSchedulerJob;
    let reattach: SchedulerHandle | undefined;
    if (inherited && inherited.scheduler === o.formatter.name) {
      reattach = { schedulerJobId: inherited.id, cluster: inherited.cluster || undefined, runDir: inherited.runDir, outputPath: inherited.outputPath };
      this.emit({ type: "following", jobId: job.id, schedulerJobId: inherited.id });
    }
    let outcome: RunOutcome;
    const output = shipJobOutput(o.client, this.workerId, job, { bufferBytes: o.outputBufferBytes, onProblem: (message) => this.emit({ type: "error", jobId: job.id, message }) });
    try {
      outcome = await o.formatter.run(toFormatterJob(job), {
        env: environmentWith(additions, o.env ?? process.env),
        signal: entry.abort.signal,
        onOutput: output && ((chunk, stream) => output.push(chunk, stream)),
        reattach,
        onSubmitted: (handle) => {
          submitted = this.reportSchedulerJob(job, handle);
        },
        onSchedulerState: (state) => this.emit({ type: "scheduler-state", jobId: job.id, ...state }),
        onStarted: (display) => {
          this.emit({ type: "started", jobId: job.id, command: display, accelerators: allocation.accelerators });
          started = this.reportStart(job, display, allocation.accelerators).then((refusal) => {
            if (!refusal) return;
            // Not ours any more (cancelled, lease lost): stop running it. A cancel is acknowledged once it stopped;
            // a lost lease leaves its scheduler job to the worker that claims the job next.
            entry.lost = refusal;
            this.emit({ type: "error", jobId: job.id, message: refusal.reason });
            entry.abort.abort(refusal.acknowledge ? undefined : new LeaveRunning(refusal.reason));
          });
        },
      });
    } catch (err) {
      outcome = { success: false, exitCode: null, message: `worker error: ${describeError(err)}`, outputTail: "", command: "", aborted: false };
    }
    // The attempt's output is all on the server before it ends (or FinishJob's tail stands for the rest).
    await output?.close();
    await Promise.all([started, submitted]);
    if (entry.lost) {
      this.summary.cancelled += 1;
      this.emit({ type: "cancelled", jobId: job.id, message: entry.lost.reason });
      if (entry.lost.acknowledge) {
        await this.reportFinish(
          { jobId: job.id, success: false, exitCode: outcome.exitCode ?? undefined, message: `stopped: ${entry.lost.reason} (${outcome.message})`, outputTail: outcome.outputTail },
          `acknowledge the cancel of job ${job.id}`,
        );
      } else if (this.link) {
        // The server still counts the job against our capacity: a release (refused, the job is not ours) frees it.
        await this.link.report({ case: "release", value: { jobId: job.id, reason: entry.lost.reason } });
      }
      return;
    }
    // Preempted, a job that did not succeed was stopped by the preemption (SLURM signals every process at once).
    if (outcome.aborted || (this.preempting && !outcome.success)) {
      const checkpoint = takeCheckpointHint(hintFile, (message) => this.emit({ type: "error", jobId: job.id, message }));
      await this.release(job, `worker ${this.preempting ? "preempted" : "stopping"} (${this.stopReason}): ${outcome.message}`, { preempted: this.preempting, checkpoint }, outcome.leftRunning === true);
      return;
    }
    discardCheckpointHint(hintFile);
    if (outcome.clusterUnavailable) {
      this.pauseClaimsUntilClusterAnswers(outcome.message);
      await this.release(job, `cluster unavailable, not the job's fault: ${outcome.message}`, undefined, outcome.leftRunning === true);
      return;
    }
    if (outcome.success) this.summary.succeeded += 1;
    else this.summary.failed += 1;
    this.emit({ type: "finished", jobId: job.id, success: outcome.success, exitCode: outcome.exitCode, message: outcome.message });
    await this.reportFinish(
      { jobId: job.id, success: outcome.success, exitCode: outcome.exitCode ?? undefined, message: outcome.message, outputTail: outcome.outputTail },
      `report job ${job.id} finished`,
    );
  }

  /** StartJob, on the stream or unary; resolves with why the job is not ours any more when the server refused. */
  private async reportStart(job: Job, command: string, acceleratorIds: string[]): Promise<RunningJob["lost"]> {
    if (this.link) {
      const r = await this.link.report({ case: "start", value: { jobId: job.id, command, acceleratorIds } });
      if (!r.errorCode) return undefined;
      const reason = `StartJob refused: ${r.errorCode}: ${r.errorMessage}`;
      return { reason, acknowledge: r.job?.status === JobStatus.CANCELLED || /CANCELLED/.test(reason) };
    }
    try {
      await this.options.client.workers.startJob({ jobId: job.id, workerId: this.workerId, command, acceleratorIds });
      return undefined;
    } catch (err) {
      const reason = `StartJob refused: ${describeError(err)}`;
      return { reason, acknowledge: /CANCELLED/.test(reason) };
    }
  }

  /**
   * Tells the server which scheduler job now runs the job, before anything
   * else can happen to it: should this worker be lost, the next claim
   * carries it and is followed, not submitted again.
   */
  private async reportSchedulerJob(job: Job, handle: SchedulerHandle): Promise<void> {
    const schedulerJob = { scheduler: this.options.formatter.name, id: handle.schedulerJobId, cluster: handle.cluster ?? "", outputPath: handle.outputPath, runDir: handle.runDir };
    const what = `record SLURM job ${handle.schedulerJobId} of job ${job.id}`;
    if (this.link) this.refusedOnStream(await this.link.report({ case: "schedulerJob", value: { jobId: job.id, schedulerJob } }), what);
    else await this.report(() => this.options.client.workers.reportSchedulerJob({ jobId: job.id, workerId: this.workerId, schedulerJob }), what);
  }

  /** FinishJob, on the stream or unary (retried while the server is away); a refusal is logged, the lease rules do the rest. */
  private async reportFinish(
    outcome: { jobId: bigint; success: boolean; exitCode: number | undefined; message: string; outputTail: string },
    what: string,
  ): Promise<void> {
    const finish = { ...outcome, outputTail: lastUtf8Bytes(outcome.outputTail, MAX_OUTPUT_TAIL_BYTES) };
    if (this.link) {
      this.refusedOnStream(await this.link.report({ case: "finish", value: finish }), what);
      return;
    }
    await this.report(() => this.options.client.workers.finishJob({ ...finish, workerId: this.workerId }), what);
  }

  private refusedOnStream(r: WorkResult, what: string): void {
    if (r.errorCode) this.emit({ type: "error", jobId: r.jobId, message: `could not ${what}: ${r.errorCode}: ${r.errorMessage}` });
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
        this.link?.setCapacity(this.capacity());
        this.changed.wake();
      });
    this.link?.setCapacity(this.capacity());
  }

  /** ReleaseJob; schedulerJobLeft: the job's scheduler job still runs, for the next worker to follow. */
  private async release(
    job: Job,
    reason: string,
    preemption: { preempted: boolean; checkpoint: string } = { preempted: false, checkpoint: "" },
    schedulerJobLeft = false,
  ): Promise<void> {
    this.summary.released += 1;
    this.emit({ type: "released", jobId: job.id, reason, ...preemption });
    if (this.link) this.refusedOnStream(await this.link.report({ case: "release", value: { jobId: job.id, reason, ...preemption, schedulerJobLeft } }), `release job ${job.id}`);
    else await this.report(() => this.options.client.workers.releaseJob({ jobId: job.id, workerId: this.workerId, reason, ...preemption, schedulerJobLeft }), `release job ${job.id}`);
  }

  /**
   * Waits for running jobs; once stopping, for the grace period only, then
   * stops and releases the rest (scheduler jobs left running unless cancelOnStop).
   */
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
    // Scheduler jobs are handed to the next worker unless asked to cancel them; local processes stop either way.
    const reason = this.options.cancelOnStop ? undefined : new LeaveRunning(`worker stopping (${this.stopReason})`);
    for (const entry of this.running.values()) entry.abort.abort(reason);
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
