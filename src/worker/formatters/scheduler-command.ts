/**
 * Runs the command-line tools of a scheduler (sbatch, squeue, sacct, scancel,
 * runai) on behalf of a formatter: same environment as the job, a timeout so
 * a hung tool cannot hold a job forever, and its error text for messages.
 */
import { describeExit, type ProcessResult, runProcess } from "../process-runner.js";

/** Default limit for one scheduler command; long enough for a slow controller, short enough to notice a hang. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

/** Upper bound of a scheduler command's answer kept for parsing; far above what squeue, sacct or describe print for one job. */
const ANSWER_LIMIT_BYTES = 4 * 1024 * 1024;

/** How a scheduler command is run. */
export interface SchedulerCommandOptions {
  env: Record<string, string>;
  cwd?: string;
  /** Stops the command early (the job was cancelled); omitted for commands that must finish, like a submission or a cancel. */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Extra variables, e.g. the job's WHATSNEXT_* for a submission. */
  extraEnv?: Record<string, string>;
  /** Bound the kept output like a job's output tail (for `runai logs`); default: the whole answer, up to 4 MiB. */
  maxTailBytes?: number;
  maxTailLines?: number;
}

/** Runs one scheduler command to its end (or timeout) and returns its result, never throwing. */
export function runSchedulerCommand(argv: readonly string[], options: SchedulerCommandOptions): Promise<ProcessResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS);
  return runProcess({
    argv,
    env: options.env,
    extraEnv: options.extraEnv,
    cwd: options.cwd,
    signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    killGraceMs: 2_000,
    // Answers are parsed from the top (sacct's first line, describe's Status:),
    // so by default keep whole answers rather than a 200-line tail.
    maxTailBytes: options.maxTailBytes ?? ANSWER_LIMIT_BYTES,
    maxTailLines: options.maxTailLines ?? Number.MAX_SAFE_INTEGER,
  });
}

/** True when the command ran and exited 0. */
export function succeeded(result: ProcessResult): boolean {
  return result.spawnError === null && !result.aborted && result.exitCode === 0;
}

/**
 * Why a scheduler command failed, in one line: how it ended plus what it
 * said on stderr (or stdout when stderr is empty), e.g.
 * `sbatch exited with code 1: sbatch: error: invalid partition`.
 */
export function schedulerCommandError(argv: readonly string[], result: ProcessResult): string {
  const said = (result.stderrTail.trim() || result.stdoutTail.trim()).split("\n").slice(-5).join(" / ");
  const how = result.aborted && result.spawnError === null ? "timed out" : describeExit(result);
  return `${argv[0] ?? "command"} ${how}${said ? `: ${said}` : ""}`;
}
