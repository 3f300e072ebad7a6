import type { SqlDatabase } from "../db/executor.js";
import { selectJob } from "../db/statements/jobs/select-job.js";
import type { WorkerActor } from "../db/statements/workers/worker-actor.js";
import type { ProjectRef } from "../domain/catalog.js";
import { DomainError } from "../domain/errors.js";
import type { Job } from "../domain/job.js";
import type { WorkerWithJobs } from "../domain/worker.js";
import { fetchJobs } from "./claim.js";
import type { QueueEvents } from "./events/queue-events.js";
import * as outcomes from "./job-outcomes.js";
import type { PendingEstimate } from "./pending-estimate.js";
import { getProject } from "./projects.js";
import { getWorker, heartbeat } from "./workers.js";

/** What a worker can run at once, as it declares it on its stream; the server keeps the account. */
export interface WorkCapacity {
  /** The most jobs at once. */
  readonly jobs: number;
  /** CPUs in all; null: not counted. */
  readonly cpu: number | null;
  /** Accelerators in all; null: not counted. */
  readonly accelerators: number | null;
  /** CPUs every job holds at least (a scheduler that gives each job a CPU). */
  readonly cpuFloor: number;
  /** When the worker's time runs out (ms since the epoch); null: no limit. */
  readonly deadline: number | null;
  /** Jobs that may still be pushed in all; null: no limit. */
  readonly remaining: number | null;
  /** Push nothing for now (the worker is stopping, or its cluster is away). */
  readonly paused: boolean;
}

/** What a session pushes to its worker, besides the answers to its reports. */
export type SessionPush =
  | { readonly kind: "jobs"; readonly jobs: Job[]; readonly numPending: number }
  | { readonly kind: "cancelled"; readonly jobIds: number[] }
  | { readonly kind: "released"; readonly jobIds: number[] };

/** What the session needs from the server. */
export interface SessionDeps {
  readonly db: SqlDatabase;
  readonly events: QueueEvents;
  readonly estimate: PendingEstimate;
  readonly leaseSeconds: number;
  readonly backoffBaseSeconds: number;
  /** Ends the session: the stream closed or the server stops. */
  readonly signal: AbortSignal;
  readonly push: (message: SessionPush) => void;
}

/** A job the session holds for its worker, with the share of the capacity it takes. */
interface Held {
  readonly cpu: number;
  readonly accelerators: number;
}

/** A finish received and not yet stored. */
interface PendingFinish {
  readonly input: outcomes.JobOutcomeInput;
  resolve(result: outcomes.ItemResult): void;
  reject(err: unknown): void;
}

/** Most finishes stored in one transaction (as FinishJobs takes at most). */
const MAX_FINISH_BATCH = 1000;

/**
 * Reasons a claim's wait is cut short, made once: an abort without a reason
 * builds a DOMException with its stack each time, which a busy stream pays
 * per finished job.
 */
const ROOM_CHANGED = new Error("the worker's room changed");
const SESSION_ENDED = new Error("the Work stream ended");

/** How long one claim waits for work before it looks again (a safety net; wake-ups end it sooner). */
const CLAIM_WAIT_MS = 30_000;

/**
 * One worker's Work stream, on the server: it claims jobs for the worker as
 * soon as there is room in the capacity the worker declared, keeping the
 * account itself from what it pushed and what the worker reported finished or
 * released (so the two sides never race over free resources); it keeps the
 * worker and its leases alive while the stream is open; and it tells the
 * worker at once when a job it holds is cancelled. Every claim, start, finish
 * and release goes through the same statements as the unary RPCs, with the
 * same guarantees.
 */
export class WorkSession {
  private readonly held = new Map<number, Held>();
  private readonly notifiedCancels = new Set<number>();
  /** Reports of one job run in order (a start before its finish). */
  private readonly chains = new Map<number, Promise<unknown>>();
  private fetchAbort = new AbortController();
  /** Finishes waiting to be stored, and whether a batch is being stored now. */
  private finishes: PendingFinish[] = [];
  private storingFinishes = false;
  private roomChanged: (() => void) | undefined;
  /** The room the claim under way asked for (none between claims). */
  private asked: ReturnType<WorkSession["room"]> | undefined;
  private roomCheckScheduled = false;
  /** Room came free while finishes were being stored: look at it again once they are. */
  private roomCheckAfterStore = false;
  private leaseTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly deps: SessionDeps,
    private readonly actor: WorkerActor,
    private readonly projectId: number,
    private readonly startOnClaim: boolean,
    private capacity: WorkCapacity,
  ) {}

  /**
   * Opens a session: the worker must exist, not be deactivated, and be one
   * the caller may act as (a heartbeat checks all three and keeps the jobs the
   * worker names as running; others held for it go back to the queue). The
   * jobs it still runs count against its capacity.
   */
  static async open(
    deps: SessionDeps,
    input: { actor: WorkerActor; project: ProjectRef; running: readonly number[]; startOnClaim: boolean; capacity: WorkCapacity },
  ): Promise<{ session: WorkSession; worker: WorkerWithJobs; released: number[] }> {
    const project = await getProject(deps.db, input.project);
    const beat = await heartbeat(deps.db, deps.events, input.actor, deps.leaseSeconds, input.running);
    const session = new WorkSession(deps, input.actor, project.id, input.startOnClaim, input.capacity);
    for (const id of input.running) {
      const job = await selectJob(deps.db, id);
      if (job && job.workerId === input.actor.workerId && (job.status === "queued" || job.status === "running")) session.hold(job);
    }
    const worker = await getWorker(deps.db, input.actor.workerId);
    return { session, worker, released: beat.releasedJobs.map((j) => j.id) };
  }

  /** Claims, keeps leases and listens for cancels until the signal ends the session. */
  async run(): Promise<void> {
    const { signal } = this.deps;
    const interval = Math.max(250, (this.deps.leaseSeconds * 1000) / 3);
    this.leaseTimer = setInterval(() => void this.keepLeases(), interval);
    const stopAll = () => {
      this.fetchAbort.abort(SESSION_ENDED);
      this.roomChanged?.();
    };
    signal.addEventListener("abort", stopAll, { once: true });
    try {
      await Promise.all([this.claimLoop(), this.watchCancels()]);
    } finally {
      clearInterval(this.leaseTimer);
      signal.removeEventListener("abort", stopAll);
    }
  }

  /** Replaces the declared capacity; a claim under way is replaced by one with the new room at once. */
  setCapacity(capacity: WorkCapacity): void {
    this.capacity = capacity;
    this.replaceClaim();
  }

  /** QUEUED → RUNNING, as StartJob. */
  start(input: outcomes.JobStartInput): Promise<outcomes.ItemResult> {
    return this.inOrder(input.jobId, async () => {
      const [result] = await outcomes.startJobs(this.deps.db, this.deps.events, this.actor, [input], this.deps.leaseSeconds);
      return result!;
    });
  }

  /**
   * A job's outcome, as FinishJob; its room is free again whatever the
   * answer (the worker no longer runs it). Finishes that arrive together are
   * stored together, in one transaction, as FinishJobs stores a batch.
   */
  finish(input: outcomes.JobOutcomeInput): Promise<outcomes.ItemResult> {
    return this.inOrder(input.jobId, async () => {
      try {
        return await new Promise<outcomes.ItemResult>((resolve, reject) => {
          this.finishes.push({ input, resolve, reject });
          if (!this.storingFinishes) void this.storeFinishes();
        });
      } finally {
        this.drop(input.jobId);
      }
    });
  }

  /** Stores the waiting finishes in batches (at most one per job, and 1,000, per batch) until none wait. */
  private async storeFinishes(): Promise<void> {
    this.storingFinishes = true;
    try {
      while (this.finishes.length > 0) {
        // One turn of the event loop lets the rest of a burst of messages arrive.
        await new Promise((resolve) => setImmediate(resolve));
        const batch: PendingFinish[] = [];
        const later: PendingFinish[] = [];
        const ids = new Set<number>();
        for (const f of this.finishes) {
          if (batch.length < MAX_FINISH_BATCH && !ids.has(f.input.jobId)) {
            batch.push(f);
            ids.add(f.input.jobId);
          } else later.push(f);
        }
        this.finishes = later;
        try {
          const results = await outcomes.finishJobs(this.deps.db, this.deps.events, this.actor, batch.map((f) => f.input), this.deps.backoffBaseSeconds);
          batch.forEach((f, i) => f.resolve(results[i]!));
        } catch (err) {
          for (const f of batch) f.reject(err);
        }
      }
    } finally {
      this.storingFinishes = false;
      if (this.roomCheckAfterStore) {
        this.roomCheckAfterStore = false;
        this.roomFreed();
      }
    }
  }

  /** Gives a job back without spending an attempt, as ReleaseJob; its room is free again. */
  release(jobId: number, reason: string, preemption: outcomes.ReleaseInput): Promise<outcomes.ItemResult> {
    return this.inOrder(jobId, async () => {
      try {
        const job = await outcomes.releaseJob(this.deps.db, this.deps.events, this.actor, jobId, reason, preemption);
        return { jobId, job };
      } catch (err) {
        if (err instanceof DomainError) return { jobId, error: err };
        throw err;
      } finally {
        this.drop(jobId);
      }
    });
  }

  /** The scheduler job the worker submitted for a held job, as ReportSchedulerJob; in order with the job's other reports. */
  recordSchedulerJob(jobId: number, schedulerJob: outcomes.SchedulerJob): Promise<outcomes.ItemResult> {
    return this.inOrder(jobId, async () => {
      try {
        return { jobId, job: await outcomes.recordSchedulerJob(this.deps.db, this.actor, jobId, schedulerJob) };
      } catch (err) {
        if (err instanceof DomainError) return { jobId, error: err };
        throw err;
      }
    });
  }

  private inOrder<T>(jobId: number, fn: () => Promise<T>): Promise<T> {
    const before = this.chains.get(jobId) ?? Promise.resolve();
    const next = before.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.chains.set(jobId, tail);
    void tail.then(() => {
      if (this.chains.get(jobId) === tail) this.chains.delete(jobId);
    });
    return next;
  }

  private hold(job: Job): void {
    this.held.set(job.id, { cpu: Math.max(job.requiredCpu, this.capacity.cpuFloor), accelerators: job.requiredAccelerators });
  }

  private drop(jobId: number): void {
    if (this.held.delete(jobId)) this.roomFreed();
    this.notifiedCancels.delete(jobId);
  }

  /**
   * Room came free (a finish or a release). Finishes come in bursts, so the
   * claim is looked at once per turn of the event loop, not once per job;
   * while finishes are still being stored, a room of less than half the jobs
   * waits for them (a few milliseconds: the store under way and those that
   * arrived meanwhile), so that a busy worker's claims come in large pieces
   * rather than one per stored batch, and a worker whose jobs end one by one
   * still claims as soon as its finish is stored. A claim under way is
   * replaced only when what it asks for is short of the new room in a way
   * that matters (CPUs, accelerators, or less than half the jobs; time left
   * only shrinks, and a new capacity always replaces it): replacing costs a
   * claim statement, and a claim waiting for 99 jobs takes the next job as
   * well as one waiting for 100.
   */
  private roomFreed(): void {
    if (this.roomCheckScheduled) return;
    this.roomCheckScheduled = true;
    setImmediate(() => {
      this.roomCheckScheduled = false;
      const asked = this.asked;
      const room = this.room();
      if (this.storingFinishes && room.jobs * 2 < this.capacity.jobs) {
        this.roomCheckAfterStore = true;
        return;
      }
      const shortOfRoom =
        asked === undefined || asked.cpu !== room.cpu || asked.accelerators !== room.accelerators || asked.jobs * 2 <= room.jobs;
      if (shortOfRoom) this.replaceClaim();
      else this.roomChanged?.();
    });
  }

  /** Ends the claim under way (its wait; a claim statement running finishes) so that the loop claims with the room as it is now. */
  private replaceClaim(): void {
    this.fetchAbort.abort(ROOM_CHANGED);
    this.roomChanged?.();
  }

  /** What may be claimed now. */
  private room(): { jobs: number; cpu: number | null; accelerators: number | null; seconds: number | null } {
    const c = this.capacity;
    let cpuUsed = 0;
    let accUsed = 0;
    for (const h of this.held.values()) {
      cpuUsed += h.cpu;
      accUsed += h.accelerators;
    }
    const cpu = c.cpu === null ? null : Math.max(0, c.cpu - cpuUsed);
    let jobs = c.paused ? 0 : Math.max(0, c.jobs - this.held.size);
    if (c.remaining !== null) jobs = Math.min(jobs, c.remaining);
    // A job holds at least the floor: no more jobs than the free CPUs can hold.
    if (cpu !== null && c.cpuFloor > 0) jobs = Math.min(jobs, Math.floor(cpu / c.cpuFloor));
    const seconds = c.deadline === null ? null : Math.max(0, Math.floor((c.deadline - Date.now()) / 1000));
    return { jobs, cpu, accelerators: c.accelerators === null ? null : Math.max(0, c.accelerators - accUsed), seconds };
  }

  private async claimLoop(): Promise<void> {
    const { signal } = this.deps;
    while (!signal.aborted) {
      const room = this.room();
      if (room.jobs <= 0 || room.seconds === 0) {
        await new Promise<void>((resolve) => {
          this.roomChanged = resolve;
          // The deadline may only shrink the room; a worker whose time is up waits for a new capacity.
        });
        this.roomChanged = undefined;
        continue;
      }
      this.fetchAbort = new AbortController();
      this.asked = room;
      const abortOnEnd = () => this.fetchAbort.abort(SESSION_ENDED);
      signal.addEventListener("abort", abortOnEnd, { once: true });
      let result;
      try {
        result = await fetchJobs(
          this.deps.db,
          this.deps.events,
          this.deps.estimate,
          {
            workerId: this.actor.workerId,
            principal: this.actor.principal,
            project: { id: this.projectId },
            availableCpu: room.cpu,
            availableAccelerators: room.accelerators,
            availableSeconds: room.seconds,
            maxJobs: Math.min(room.jobs, 1000),
            leaseSeconds: this.deps.leaseSeconds,
            start: this.startOnClaim,
          },
          { waitMs: CLAIM_WAIT_MS, signal: this.fetchAbort.signal },
        );
      } finally {
        this.asked = undefined;
        signal.removeEventListener("abort", abortOnEnd);
      }
      if (result.jobs.length === 0) continue;
      for (const job of result.jobs) this.hold(job);
      if (this.capacity.remaining !== null) this.capacity = { ...this.capacity, remaining: Math.max(0, this.capacity.remaining - result.jobs.length) };
      this.deps.push({ kind: "jobs", jobs: result.jobs, numPending: result.numPending });
    }
  }

  /** Pushes the cancel of a held job as soon as it is published, on any replica. */
  private async watchCancels(): Promise<void> {
    for await (const change of this.deps.events.watch(this.projectId, this.deps.signal)) {
      if (change.status === "cancelled" && this.held.has(change.jobId) && !this.notifiedCancels.has(change.jobId)) {
        this.notifiedCancels.add(change.jobId);
        this.deps.push({ kind: "cancelled", jobIds: [change.jobId] });
      }
    }
  }

  /** The stream is the worker's liveness: while it is open, its leases are extended as a heartbeat would. */
  private async keepLeases(): Promise<void> {
    if (this.deps.signal.aborted) return;
    try {
      const beat = await heartbeat(this.deps.db, this.deps.events, this.actor, this.deps.leaseSeconds, [...this.held.keys()]);
      const fresh = beat.cancelledJobIds.filter((id) => this.held.has(id) && !this.notifiedCancels.has(id));
      for (const id of fresh) this.notifiedCancels.add(id);
      if (fresh.length > 0) this.deps.push({ kind: "cancelled", jobIds: fresh });
      if (beat.releasedJobs.length > 0) this.deps.push({ kind: "released", jobIds: beat.releasedJobs.map((j) => j.id) });
    } catch {
      // The database away: the next beat tries again; the lease outlives a few missed ones.
    }
  }
}
