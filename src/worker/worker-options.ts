import type { WhatsNextClient } from "../client/connect.js";
import type { Formatter } from "./formatters/types.js";
import type { Deadline } from "./walltime.js";

/** FetchJob's wait while idle: long enough to be cheap, short enough to notice a dead connection. */
export const DEFAULT_WAIT_SECONDS = 30;
/** Time running jobs get to finish after a stop before they are stopped and released. */
export const DEFAULT_GRACE_MS = 30_000;
/** Pause before claiming again after a cluster outage, for formatters that cannot tell when their cluster is back. */
export const CLUSTER_OUTAGE_PAUSE_MS = 30_000;
/** How long a stopping worker waits for the server to answer its last reports on the Work stream. */
export const REPORT_DRAIN_MS = 15_000;

/** FinishJob refuses larger output tails. */
export const MAX_OUTPUT_TAIL_BYTES = 64 * 1024;

/** Everything a worker needs; only client, projectId and formatter are required. */
export interface WorkerOptions {
  client: WhatsNextClient;
  projectId: bigint;
  formatter: Formatter;
  /** Worker id to register under; the server generates one when empty. */
  id?: string;
  name?: string;
  entity?: string;
  description?: string;
  /** CPUs jobs may use together; undefined: not tracked, not filtered. */
  cpus?: number;
  /** Accelerator device ids to hand out; undefined: not tracked, not filtered. */
  acceleratorIds?: string[];
  /** Most jobs at once (default: cpus, or 1). */
  parallel?: number;
  /** Give each job its accelerators through CUDA_VISIBLE_DEVICES (local processes only). */
  setCudaVisibleDevices?: boolean;
  /** Claim one job, run it, and stop. */
  once?: boolean;
  /** Stop after claiming this many jobs (and running them). */
  maxJobs?: number;
  waitSeconds?: number;
  graceMs?: number;
  /** Overrides the server's heartbeat interval (seconds). */
  heartbeatSeconds?: number;
  /**
   * Use the Work stream (default true): jobs pushed as they are claimed,
   * cancels at once, reports as messages. False, or a server without the
   * stream: FetchJob long polls, heartbeats and unary reports.
   */
  stream?: boolean;
  /**
   * On stop, cancel the jobs submitted to a scheduler (scancel) instead of
   * leaving them running for the next worker to follow (default false).
   */
  cancelOnStop?: boolean;
  /** Deactivate the worker on the server when it stops (default true). */
  deactivateOnStop?: boolean;
  /** When the worker's time ends (--walltime, the SLURM allocation): only jobs expected to fit are claimed. */
  deadline?: Deadline;
  /** The environment jobs start from (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Output of a job held while the server does not take it (output-shipper.ts); default 8 MiB. */
  outputBufferBytes?: number;
  /** Receives what happens, for logs and tests. */
  onEvent?: (event: WorkerEvent) => void;
}

/** Something that happened in the worker, for its log. */
export type WorkerEvent =
  | { type: "registered"; workerId: string; leaseSeconds: number; heartbeatSeconds: number }
  /** The Work stream opened (again, after a break); or, against a server without it, the unary calls are used. */
  | { type: "connected"; via: "stream" | "unary" }
  | { type: "claimed"; jobId: bigint; name: string; task: string }
  | { type: "started"; jobId: bigint; command: string; accelerators: string[] }
  | { type: "scheduler-state"; jobId: bigint; schedulerJobId: string; state: string; reason: string; restarts?: number }
  /** The claim carried a scheduler job an earlier attempt left behind: the worker follows it instead of submitting the job. */
  | { type: "following"; jobId: bigint; schedulerJobId: string }
  | { type: "finished"; jobId: bigint; success: boolean; exitCode: number | null; message: string }
  | { type: "cancelled"; jobId: bigint; message: string }
  | { type: "released"; jobId: bigint; reason: string; preempted?: boolean; checkpoint?: string }
  | { type: "stopping"; reason: string; running: number }
  | { type: "stopped"; ran: number }
  | { type: "error"; message: string; jobId?: bigint };

/** What a finished run did. */
export interface WorkerSummary {
  workerId: string;
  /** Jobs claimed. */
  claimed: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  released: number;
}
