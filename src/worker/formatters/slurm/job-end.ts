/**
 * How a job ended once squeue no longer lists it (the controller purged it
 * after MinJobAge, or a worker reattached late): ask accounting (sacct) when
 * the cluster keeps it, else read the exit marker the job's batch script
 * wrote. "Accounting storage is disabled" is permanent: the formatter stops
 * asking sacct for good instead of retrying it for every job.
 */
import { readFile } from "node:fs/promises";
import { abortableDelay } from "../abortable-delay.js";
import { runSchedulerCommand, schedulerCommandError, succeeded } from "../scheduler-command.js";
import { parseSlurmExitCode, SLURM_FINAL_STATES, type SlurmEnd } from "./job-state.js";

/** A job's state and exit status as sacct reports them. */
export interface SacctRecord extends SlurmEnd {
  /** The State column as printed ("CANCELLED by 1000"), for messages. */
  rawState: string;
}

/**
 * Parses `sacct -n -P -X -o State,ExitCode`. The first line is the job
 * allocation (without -X later lines are its steps, e.g. `.batch`), and its
 * ExitCode is the batch script's, so only it counts. Null when sacct printed
 * nothing yet.
 */
export function parseSacctOutput(stdout: string): SacctRecord | null {
  const line = stdout.split("\n").find((candidate) => candidate.trim() !== "");
  if (line === undefined) return null;
  const [stateColumn = "", exitColumn = ""] = line.split("|");
  const rawState = stateColumn.trim();
  const state = (rawState.split(/\s+/)[0] ?? "").replace(/\+$/, "").toUpperCase();
  return { state, rawState, ...parseSlurmExitCode(exitColumn) };
}

/** True when sacct says the cluster keeps no accounting: asking again will not help. */
export function accountingDisabled(stderr: string): boolean {
  return /accounting storage is disabled/i.test(stderr);
}

/** Reads a job's exit marker: the command's exit status (128+N when killed by signal N); null when there is none. */
export async function readExitMarker(path: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return null;
  }
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

/** The end of a job SLURM no longer lists, with where it was learned; `end: null` when nothing says. */
export interface JobEndLookup {
  end: SlurmEnd | null;
  /** Where the answer came from, or why there is none, for the message. */
  source: string;
}

/** How to look a job's end up. */
export interface JobEndOptions {
  env: Record<string, string>;
  cwd?: string;
  commandTimeoutMs?: number;
  /** How long sacct may lag behind the controller. */
  accountingTimeoutMs: number;
  pollIntervalMs: number;
  signal: AbortSignal;
  /** Shared by all runs of a formatter: once sacct said accounting is disabled, it is not asked again. */
  accounting: { disabled: boolean };
}

/**
 * Looks up how a job that left squeue ended: sacct first (retried while it
 * lags, unless accounting is disabled), then the exit marker. A marker turns
 * into an end without a SLURM state: exit status N > 128 is signal N - 128.
 */
export async function lookUpJobEnd(slurmJobId: string, exitMarkerPath: string, options: JobEndOptions): Promise<JobEndLookup> {
  let why = "accounting storage is disabled";
  if (!options.accounting.disabled) {
    const argv = ["sacct", "--noheader", "--parsable2", "--allocations", `--jobs=${slurmJobId}`, "--format=State,ExitCode"];
    const deadline = Date.now() + options.accountingTimeoutMs;
    for (;;) {
      const result = await runSchedulerCommand(argv, { env: options.env, cwd: options.cwd, timeoutMs: options.commandTimeoutMs, signal: options.signal });
      if (options.signal.aborted) return { end: null, source: "cancelled while asking sacct" };
      if (succeeded(result)) {
        const record = parseSacctOutput(result.stdoutTail);
        if (record !== null && SLURM_FINAL_STATES.has(record.state)) return { end: record, source: "" };
        why = record === null ? "sacct has no record of it" : `sacct says ${record.rawState}`;
      } else if (accountingDisabled(result.stderrTail)) {
        options.accounting.disabled = true;
        break;
      } else {
        why = schedulerCommandError(argv, result);
      }
      if (Date.now() >= deadline) break;
      await abortableDelay(options.pollIntervalMs, options.signal);
    }
  }
  const status = await readExitMarker(exitMarkerPath);
  if (status === null) return { end: null, source: `${why}, and its batch script left no exit marker (SLURM killed it, or it never ran)` };
  const end: SlurmEnd = status > 128 && status < 160 ? { state: "", exitCode: null, signal: status - 128 } : { state: "", exitCode: status, signal: 0 };
  return { end, source: `from its exit marker: SLURM no longer lists it and ${why}` };
}
