/**
 * What the bench asks of each queue it compares. The producer side runs in
 * the bench process (as an application would submit work); the consumer side
 * runs in a separate worker process (bench/worker-process.ts), as workers do.
 */

/** A job's payload: small, numeric, and carrying the submit time for pickup latency. */
export type BenchPayload = Record<string, number>;

/** The submitting side of one system, plus direct SQL for setup the API has no call for. */
export interface Producer {
  /** One job through the system's single-create call. `client` picks one of the concurrent clients. */
  createJob(payload: BenchPayload, client: number): Promise<void>;
  /** Jobs through the system's one batch-create call. */
  createJobs(payloads: readonly BenchPayload[]): Promise<void>;
  /**
   * Inserts count pending jobs straight into the system's job table with SQL
   * (not the API), then vacuums and analyses it unless `analyze` is false
   * (the planner keeps the statistics of before, as a database whose
   * autovacuum has not run yet).
   */
  bulkLoadPending(count: number, analyze: boolean): Promise<void>;
  /** Refreshes the planner's statistics of the job table, as autovacuum would in steady state. */
  analyze(): Promise<void>;
  /** Jobs ready to be claimed now. */
  countPending(): Promise<number>;
  /** One claim of one job through the system's claim path; false when none came back. */
  claimOne(): Promise<boolean>;
  /**
   * One claim by a worker with `seconds` left (WhatsNext's walltime-aware
   * FetchJob: only jobs expected to fit); absent where the system has no such filter.
   */
  claimOneWithin?(seconds: number): Promise<boolean>;
  /** Removes every job, so the next workload starts from an empty queue. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * How a WhatsNext worker talks to its server: the Work stream (what its
 * worker uses) or unary calls (FetchJob, FinishJob(s) with next). The
 * libraries have one way and ignore it.
 */
export type Via = "stream" | "unary";

/** What a drain achieved before it ended or its deadline. */
export interface DrainResult {
  readonly done: number;
  readonly ms: number;
}

/** The working side of one system, inside the worker process. */
export interface Consumer {
  /**
   * Claims, starts and finishes n jobs already queued, with `concurrency`
   * loops in all, taking `batch` jobs per claim (1: one job per call).
   * Stops early at deadlineMs, so that a slow system cannot stall the run.
   * Resolves with how many were recorded as done in the database and the
   * milliseconds that took (tear-down is not counted).
   */
  drain(n: number, concurrency: number, batch: number, deadlineMs: number, via: Via): Promise<DrainResult>;
  /**
   * Starts `concurrency` waiting workers; the returned promise resolves with
   * each job's pickup latency in milliseconds (its payload's `t`, stamped by
   * the producer on the monotonic clock, to the moment a worker starts it)
   * once n jobs have been picked up, or deadlineMs after the start with the
   * ones picked up so far. `ready` resolves when the workers wait.
   */
  pickup(n: number, concurrency: number, deadlineMs: number, via: Via): { ready: Promise<void>; latencies: Promise<number[]> };
  close(): Promise<void>;
}

/** The systems compared, in table order. */
export const SYSTEMS = ["whatsnext", "pg-boss", "graphile-worker"] as const;
export type SystemName = (typeof SYSTEMS)[number];

/** What the worker process needs to reach a system. */
export interface ConsumerTarget {
  readonly system: SystemName;
  /** The system's database. */
  readonly databaseUrl: string;
  /** WhatsNext only: the server URL and the project to work on. */
  readonly serverUrl?: string;
  readonly projectId?: string;
}
