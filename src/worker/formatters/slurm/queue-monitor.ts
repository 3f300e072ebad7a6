/**
 * Follows every SLURM job of a worker with one squeue call per poll interval,
 * not one per job: each run asks for its job's next state, and the monitor
 * answers all runs waiting at that moment from a single
 * `squeue --states=all -j id1,id2,…` (a worker with hundreds of short jobs
 * would otherwise flood the controller, which SLURM admins rightly dislike).
 *
 * With --states=all squeue also lists jobs that have ended, with their exit
 * status, for as long as the controller keeps them (MinJobAge, 5 minutes by
 * default), so no accounting is needed to learn how a job ended.
 */
import type { ProcessResult } from "../../process-runner.js";
import { runSchedulerCommand, schedulerCommandError } from "../scheduler-command.js";
import { isClusterUnreachable } from "./controller-errors.js";
import { parseWaitStatus } from "./job-state.js";

/** One job as squeue lists it. */
export interface SqueueRecord {
  /** "1234", or "1234_5" for element 5 of array 1234 (the form scancel and squeue -j take). */
  jobId: string;
  /** SLURM's state, e.g. "PENDING", "RUNNING", "COMPLETED", "TIMEOUT". */
  state: string;
  /** Why it waits or why it ended ("Resources", "PartitionConfig", "TimeLimit"); "" for SLURM's "None". */
  reason: string;
  /** The batch script's exit code (meaningful once the job ended). */
  exitCode: number | null;
  /** The signal that ended the batch script, 0 for none. */
  signal: number | null;
  /** CPUs requested, or allocated once running. */
  cpus: number | null;
  /** How many times SLURM requeued the job. */
  restarts: number;
}

/** What one squeue round says about one job. */
export type SqueueAnswer =
  | { kind: "listed"; record: SqueueRecord }
  /** squeue does not know the job (any more): ended and purged, or never existed. */
  | { kind: "absent" }
  /** squeue failed; `unreachable` when the controller did not answer (see isClusterUnreachable). */
  | { kind: "error"; unreachable: boolean; message: string };

/** The fields asked of squeue, in this order; the `|` after each is its separator (with no width, nothing is cut). */
const SQUEUE_FIELDS = ["JobID", "ArrayJobID", "ArrayTaskID", "State", "Reason", "exit_code", "NumCPUs", "RestartCnt"];

/** The squeue command line for these jobs. */
export function squeueArgv(jobIds: readonly string[]): string[] {
  return ["squeue", "--noheader", "--array", "--states=all", `--jobs=${jobIds.join(",")}`, `--Format=${SQUEUE_FIELDS.map((field) => `${field}:|`).join(",")}`];
}

/** Parses one round's output into records by job id ("1234" or "1234_5"). */
export function parseSqueueOutput(stdout: string): Map<string, SqueueRecord> {
  const records = new Map<string, SqueueRecord>();
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const [jobId = "", arrayJobId = "", arrayTaskId = "", state = "", reason = "", exit = "", cpus = "", restarts = ""] = line.split("|").map((field) => field.trim());
    const isElement = /^\d+$/.test(arrayTaskId);
    const key = isElement ? `${arrayJobId}_${arrayTaskId}` : jobId;
    if (key === "") continue;
    records.set(key, {
      jobId: key,
      state: (state.split(/\s+/)[0] ?? "").toUpperCase(),
      reason: reason === "None" ? "" : reason,
      ...parseWaitStatus(exit),
      cpus: /^\d+$/.test(cpus) ? Number(cpus) : null,
      restarts: /^\d+$/.test(restarts) ? Number(restarts) : 0,
    });
  }
  return records;
}

/** Answers of one squeue round for the jobs asked about. */
export function answersOfRound(jobIds: readonly string[], result: ProcessResult, argv: readonly string[]): Map<string, SqueueAnswer> {
  const answers = new Map<string, SqueueAnswer>();
  const ok = result.spawnError === null && !result.aborted && result.exitCode === 0;
  // When none of the ids is known any more, squeue fails with "Invalid job id specified".
  const noneKnown = result.spawnError === null && !result.aborted && /invalid job id/i.test(result.stderrTail);
  if (!ok && !noneKnown) {
    const error: SqueueAnswer = { kind: "error", unreachable: isClusterUnreachable(result), message: schedulerCommandError(argv, result) };
    for (const id of jobIds) answers.set(id, error);
    return answers;
  }
  const records = ok ? parseSqueueOutput(result.stdoutTail) : new Map<string, SqueueRecord>();
  for (const id of jobIds) {
    const record = records.get(id);
    answers.set(id, record ? { kind: "listed", record } : { kind: "absent" });
  }
  return answers;
}

interface Waiter {
  jobId: string;
  resolve(answer: SqueueAnswer | null): void;
}

/** How the monitor runs squeue. */
export interface QueueMonitorOptions {
  pollIntervalMs: number;
  commandTimeoutMs?: number;
  cwd?: string;
}

/** One per formatter: batches the squeue polls of all its runs into one call per interval. */
export class QueueMonitor {
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private roundRunning = false;
  private lastRoundStartedAt = Number.NEGATIVE_INFINITY;
  private env: Record<string, string> = {};

  constructor(private readonly options: QueueMonitorOptions) {}

  /**
   * The job's state as the next squeue round sees it; rounds are at least a
   * poll interval apart, so a run calls this in a loop without pausing. Null
   * when `signal` aborted first. `env` is the environment squeue runs in (the
   * runs of one worker share it; the latest given is used).
   */
  next(jobId: string, env: Record<string, string>, signal: AbortSignal): Promise<SqueueAnswer | null> {
    if (signal.aborted) return Promise.resolve(null);
    this.env = env;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        jobId,
        resolve: (answer) => {
          signal.removeEventListener("abort", onAbort);
          resolve(answer);
        },
      };
      const onAbort = () => {
        this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
        waiter.resolve(null);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer !== undefined || this.roundRunning || this.waiters.length === 0) return;
    const delay = Math.max(0, this.lastRoundStartedAt + this.options.pollIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, delay);
  }

  private async round(): Promise<void> {
    const waiters = this.waiters;
    this.waiters = [];
    if (waiters.length === 0) return;
    this.roundRunning = true;
    this.lastRoundStartedAt = Date.now();
    try {
      const jobIds = [...new Set(waiters.map((waiter) => waiter.jobId))];
      const argv = squeueArgv(jobIds);
      const result = await runSchedulerCommand(argv, { env: this.env, cwd: this.options.cwd, timeoutMs: this.options.commandTimeoutMs });
      const answers = answersOfRound(jobIds, result, argv);
      for (const waiter of waiters) waiter.resolve(answers.get(waiter.jobId)!);
    } finally {
      this.roundRunning = false;
      this.schedule();
    }
  }
}
