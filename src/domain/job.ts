/**
 * A job as the queue hands it around, and the rules of its status that more
 * than one layer needs. The transitions themselves are enforced in the SQL of
 * src/db/statements/jobs (each statement's WHERE names the statuses it starts
 * from); docs/architecture.md has the whole table.
 */

/** Stored job statuses (lower case); the proto enum JOB_STATUS_* maps onto these. */
export const JOB_STATUSES = ["pending", "queued", "running", "completed", "failed", "blocked", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * Statuses that make a dependent BLOCKED: the dependency will not complete
 * without someone's help (a retry, a delete, new dependencies).
 */
export const BLOCKING_STATUSES: readonly JobStatus[] = ["failed", "cancelled", "blocked"];

/** The same set as a SQL list, for statements: `status in ${BLOCKING_STATUSES_SQL}`. */
export const BLOCKING_STATUSES_SQL = `(${BLOCKING_STATUSES.map((s) => `'${s}'`).join(", ")})`;

/** Whether a dependency in this status blocks its dependents. */
export function isBlocking(status: JobStatus): boolean {
  return BLOCKING_STATUSES.includes(status);
}

/** Statuses in which a worker holds the job's lease. */
export const LEASED_STATUSES: readonly JobStatus[] = ["queued", "running"];

/** Whether the stored text is a job status. */
export function isJobStatus(value: string): value is JobStatus {
  return (JOB_STATUSES as readonly string[]).includes(value);
}

/** One job: its stored columns plus what a read joins in (task name and template, dependency ids). */
export interface Job {
  id: number;
  projectId: number;
  taskId: number;
  name: string;
  parameters: Record<string, unknown>;
  priority: number;
  status: JobStatus;
  /** Attempts spent: a claim spends one, a release or a lost lease gives it back. */
  attempts: number;
  maxAttempts: number;
  /** Claims so far; the number of the latest attempt row. */
  runs: number;
  /** Leases that expired under the job (its worker was lost). */
  lostLeases: number;
  /** The sweep the job belongs to, and the canonical hash of its parameters there. */
  sweepId: number | null;
  paramsHash: string | null;
  /** How long it is expected to run (its own, or its task's when created); null when not known. */
  expectedSeconds: number | null;
  /** What the last preempted attempt left for the next one. */
  checkpoint: string;
  /** Dependencies not yet COMPLETED; the claim index covers only jobs where it is 0. */
  unmetDependencies: number;
  /** Copied from the task so that a claim reads one index and no join. */
  requiredCpu: number;
  requiredAccelerators: number;
  workerId: string | null;
  leaseExpiresAt: Date | null;
  notBefore: Date | null;
  idempotencyKey: string | null;
  command: string;
  exitCode: number | null;
  message: string;
  outputTail: string;
  cancelRequested: boolean;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The task's name. */
  taskName: string;
  /** The task's command template. */
  commandTemplate: string;
  /** Ids of the jobs this one depends on, ascending. */
  dependsOn: number[];
  /**
   * Only in a claim's answer: the scheduler job the previous attempt left
   * behind (its worker was lost, or handed the job over), to follow instead
   * of submitting the job again. Null elsewhere.
   */
  inheritedSchedulerJob: SchedulerJob | null;
}

/** A job's run in a batch scheduler (a SLURM job), as the worker that submitted it reported it. */
export interface SchedulerJob {
  /** The formatter that submitted it: "slurm". */
  scheduler: string;
  /** The scheduler's job id ("1234", "1234_5" for an array element). */
  id: string;
  /** The cluster, when the scheduler names one; "" otherwise. */
  cluster: string;
  /** The job's output file on the cluster's file system. */
  outputPath: string;
  /** The folder of its batch script and exit marker. */
  runDir: string;
}

/** How an attempt ended; "claimed" and "running" while it has not. */
export const ATTEMPT_OUTCOMES = ["claimed", "running", "completed", "failed", "released", "lost", "cancelled", "preempted"] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** One claim of a job and what came of it: the provenance of a run. */
export interface JobAttempt {
  jobId: number;
  /** 1 for the first claim, counting every claim. */
  number: number;
  workerId: string | null;
  workerName: string;
  workerHost: string;
  claimedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  outcome: AttemptOutcome;
  command: string;
  /** The accelerator (GPU) ids the worker gave the attempt. */
  acceleratorIds: string[];
  /** What the worker reported (FinishJob's success); null until it reported. */
  success: boolean | null;
  exitCode: number | null;
  message: string;
  outputTail: string;
  /** The scheduler job it submitted (or inherited and followed); null when none. */
  schedulerJob: SchedulerJob | null;
}

/** A dependency of a job with its current status. */
export interface DependencyState {
  id: number;
  name: string;
  status: JobStatus;
}
