import type { JobStatus } from "../../domain/job.js";
import type { JobWake } from "./job-wake.js";

export type JobChangeType = "created" | "updated" | "deleted";

/** One job that changed, as told to waiters and watchers. */
export interface JobChange {
  readonly projectId: number;
  readonly jobId: number;
  readonly type: JobChangeType;
  /** The status after the change (absent for deleted). */
  readonly status?: JobStatus;
  /** For a PENDING job held back by a retry backoff: when it becomes claimable, so waiters can wake then. */
  readonly notBefore?: Date;
  /**
   * For a new PENDING job, what it needs: then only one waiter it fits is
   * woken for it. Without them every waiter of the project is woken.
   */
  readonly requires?: { readonly cpu: number; readonly accelerators: number };
}

/** What a waiting worker has free; null means it does not filter on that resource. */
export interface WaiterCapacity {
  readonly cpu: number | null;
  readonly accelerators: number | null;
}

/**
 * How the queue tells itself and other replicas that jobs changed: LISTEN/NOTIFY
 * on PostgreSQL, an in-process emitter on the embedded database. Long-poll
 * FetchJob waits on it; WatchJobs streams from it.
 */
export interface QueueEvents {
  /** Publishes changes; call after the transaction that made them committed. */
  jobsChanged(changes: readonly JobChange[]): Promise<void>;
  /**
   * Resolves when a job of the project may have become claimable for a
   * worker with this capacity, or after timeoutMs, or when signal aborts.
   */
  waitForWork(projectId: number, timeoutMs: number, signal: AbortSignal, capacity?: WaiterCapacity): Promise<void>;
  /** The project's job changes from now until signal aborts. */
  watch(projectId: number, signal: AbortSignal): AsyncIterable<JobChange>;
  /** Publishes that these jobs got new output; call after the transaction that stored it committed. */
  outputAppended(jobIds: readonly number[]): Promise<void>;
  /** A wake-up, subscribed now until signal aborts, for each change or new output of the job. */
  wakeOnJob(jobId: number, signal: AbortSignal): JobWake;
  start(): Promise<void>;
  stop(): Promise<void>;
}
