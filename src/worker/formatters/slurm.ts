/**
 * The slurm formatter: submits the job to a SLURM cluster with sbatch and
 * follows it until SLURM says how it ended.
 *
 * Commands used (all without a shell):
 * - `sbatch --parsable --job-name=wn-<id> [--partition=…] [--time=…]
 *   [--cpus-per-task=…] [--mem=…] [--gpus=…] --output=<file> [extraArgs…] <script>`
 *   where <script> is a batch script written by us whose only command is
 *   `exec` of the job's argv, every argument single-quoted. `--wrap` is not
 *   used: it hands a string to a shell, which would interpret parameter values.
 * - `squeue -h -j <id> -o %T` until the job has left the queue;
 * - `sacct -n -P -j <id> -o State,ExitCode` for its final state and exit code
 *   (retried for a while: accounting lags the controller by a few seconds);
 * - `scancel <id>` when the run is aborted.
 *
 * The batch script and output file stay in `outputDir/job-<id>-XXXXXX/` for
 * inspection; outputDir must be on a file system that the compute nodes and
 * the worker share (the home directory on most clusters).
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ProcessResult } from "../process-runner.js";
import { abortableDelay } from "./abortable-delay.js";
import { readFileTail } from "./file-tail.js";
import { abortedOutcome, commandTemplateFailure, notStartedOutcome } from "./outcomes.js";
import { type CommandSettings, prepareCommand } from "./prepare-command.js";
import { runSchedulerCommand, schedulerCommandError, succeeded } from "./scheduler-command.js";
import {
  checkNonNegativeNumber,
  checkOptionalString,
  checkPositiveNumber,
  checkStringArray,
} from "./settings-checks.js";
import { quoteShellArgument } from "./shell-quote.js";
import type { Formatter, JobForFormatting, PreparedRun, RunContext, RunOutcome } from "./types.js";

/** Settings of the slurm formatter (the worker's config file); all optional. */
export interface SlurmFormatterSettings extends CommandSettings {
  /** `--partition`; the cluster default when unset. */
  partition?: string;
  /** `--time` limit, in any SLURM format ("1:00:00", "2-00:00:00"). */
  time?: string;
  /** `--cpus-per-task`; defaults to the task's required_cpu (omitted when 0). */
  cpus?: number;
  /** `--mem`, e.g. "16G". */
  mem?: string;
  /** `--gpus`, a count or "type:count"; defaults to the task's required_accelerators (omitted when 0). */
  gpus?: number | string;
  /** More sbatch options, passed as given before the script (e.g. ["--account=proj", "--qos=high"]). */
  extraArgs?: string[];
  /** Time between two squeue / sacct polls; default 10 s. */
  pollIntervalMs?: number;
  /** Where batch scripts and output files go; default ~/.whatsnext/slurm. */
  outputDir?: string;
  /** Directory sbatch runs in, which SLURM makes the job's working directory; default the worker's. */
  cwd?: string;
  /** Prefix of SLURM job names, followed by the WhatsNext job id; default "wn". */
  jobNamePrefix?: string;
  /** How long sacct may take to report the final state once the job left squeue; default 2 min. */
  accountingTimeoutMs?: number;
  /** Limit for one sbatch/squeue/sacct/scancel call; default 60 s. */
  commandTimeoutMs?: number;
  /** After this many failed squeue calls in a row, give up on the job and scancel it; default 30. */
  maxPollFailures?: number;
  /** Bytes of the output file kept for FinishJob; default 64 KiB. */
  maxTailBytes?: number;
  /** Lines of the output file kept for FinishJob; default 200. */
  maxTailLines?: number;
}

/** The states after which a SLURM job never runs again (squeue may still list them for a while). */
export const SLURM_FINAL_STATES: ReadonlySet<string> = new Set([
  "BOOT_FAIL",
  "CANCELLED",
  "COMPLETED",
  "DEADLINE",
  "FAILED",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "PREEMPTED",
  "REVOKED",
  "TIMEOUT",
]);

/** A job's state and exit status as sacct reports them. */
export interface SacctRecord {
  /** First word of the State column ("CANCELLED by 123" → "CANCELLED"). */
  state: string;
  /** N of the "N:S" ExitCode column, null when unreadable. */
  exitCode: number | null;
  /** S of the "N:S" ExitCode column: the signal that ended the job, 0 for none. */
  signal: number | null;
  /** The State column as printed, for messages. */
  rawState: string;
}

/** Parses SLURM's "N:S" exit code; null parts when the text is not of that form. */
export function parseSlurmExitCode(text: string): { exitCode: number | null; signal: number | null } {
  const match = /^\s*(\d+):(\d+)\s*$/.exec(text);
  if (!match) return { exitCode: null, signal: null };
  return { exitCode: Number(match[1]), signal: Number(match[2]) };
}

/**
 * Parses `sacct -n -P -o State,ExitCode` output. The first line is the job
 * allocation (later lines are its steps, e.g. `.batch`), and its ExitCode is
 * the batch script's, so only it counts. Null when sacct printed nothing yet.
 */
export function parseSacctOutput(stdout: string): SacctRecord | null {
  const line = stdout.split("\n").find((candidate) => candidate.trim() !== "");
  if (line === undefined) return null;
  const [stateColumn = "", exitColumn = ""] = line.split("|");
  const rawState = stateColumn.trim();
  const state = (rawState.split(/\s+/)[0] ?? "").replace(/\+$/, "").toUpperCase();
  return { state, rawState, ...parseSlurmExitCode(exitColumn) };
}

/** Reads the job id from `sbatch --parsable` output ("12345" or "12345;cluster"), null when there is none. */
export function parseSbatchJobId(stdout: string): string | null {
  const line = stdout.split("\n").find((candidate) => candidate.trim() !== "") ?? "";
  const match = /^\s*(\d+)(?:;\S*)?\s*$/.exec(line);
  return match ? match[1]! : null;
}

/**
 * Whether the job is still in SLURM's queue according to one squeue call:
 * gone when squeue lists nothing, lists a final state, or says the id is
 * unknown (older SLURM versions answer so once a job was purged); "error" for
 * anything else, such as a controller timeout, which must not be read as an end.
 */
export function classifySqueueResult(result: ProcessResult): "queued" | "gone" | "error" {
  if (result.spawnError === null && !result.aborted && result.exitCode === 0) {
    const state = (result.stdoutTail.trim().split(/\s+/)[0] ?? "").toUpperCase();
    if (state === "" || SLURM_FINAL_STATES.has(state)) return "gone";
    return "queued";
  }
  if (result.spawnError === null && /invalid job id/i.test(result.stderrTail)) return "gone";
  return "error";
}

/**
 * The batch script for a job: the job's variables, then `exec` of its argv
 * with every argument single-quoted, so the shell reading the script only
 * ever sees literal words. Nothing from the job goes in unquoted, not even
 * into a comment.
 */
export function buildBatchScript(job: JobForFormatting, prepared: PreparedRun): string {
  const lines = ["#!/bin/sh", `# WhatsNext job ${job.id}: written by the slurm formatter; the command below is exact argv.`];
  for (const [key, value] of Object.entries(prepared.env ?? {})) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) lines.push(`export ${key}=${quoteShellArgument(value, { always: true })}`);
  }
  lines.push(`exec ${prepared.argv.map((argument) => quoteShellArgument(argument, { always: true })).join(" ")}`);
  return `${lines.join("\n")}\n`;
}

/** Escapes `%` in a path given to sbatch --output, where `%j` and friends are replacement symbols. */
export function escapeSbatchFilename(path: string): string {
  return path.replaceAll("%", "%%");
}

/** The sbatch command line for a job whose script and output file are at the given paths. */
export function buildSbatchArgv(
  job: JobForFormatting,
  settings: SlurmFormatterSettings,
  paths: { scriptPath: string; outputPath: string },
): string[] {
  const argv = ["sbatch", "--parsable", `--job-name=${settings.jobNamePrefix ?? "wn"}-${job.id}`];
  if (settings.partition) argv.push(`--partition=${settings.partition}`);
  if (settings.time) argv.push(`--time=${settings.time}`);
  const cpus = settings.cpus ?? job.requiredCpu;
  if (cpus > 0) argv.push(`--cpus-per-task=${Math.ceil(cpus)}`);
  if (settings.mem) argv.push(`--mem=${settings.mem}`);
  const gpus = settings.gpus ?? job.requiredAccelerators;
  if (typeof gpus === "string" ? gpus !== "" : gpus > 0) argv.push(`--gpus=${gpus}`);
  argv.push(`--output=${escapeSbatchFilename(paths.outputPath)}`);
  argv.push(...(settings.extraArgs ?? []));
  argv.push(paths.scriptPath);
  return argv;
}

/** Creates the formatter that runs jobs as SLURM batch jobs; throws FormatterSettingsError for bad settings. */
export function createSlurmFormatter(settings: SlurmFormatterSettings = {}): Formatter {
  checkOptionalString("slurm.partition", settings.partition);
  checkOptionalString("slurm.time", settings.time);
  checkNonNegativeNumber("slurm.cpus", settings.cpus);
  checkOptionalString("slurm.mem", settings.mem);
  if (typeof settings.gpus === "string") checkOptionalString("slurm.gpus", settings.gpus);
  else checkNonNegativeNumber("slurm.gpus", settings.gpus);
  checkStringArray("slurm.extraArgs", settings.extraArgs);
  checkPositiveNumber("slurm.pollIntervalMs", settings.pollIntervalMs);
  checkPositiveNumber("slurm.accountingTimeoutMs", settings.accountingTimeoutMs);
  checkPositiveNumber("slurm.commandTimeoutMs", settings.commandTimeoutMs);
  checkPositiveNumber("slurm.maxPollFailures", settings.maxPollFailures);
  checkOptionalString("slurm.jobNamePrefix", settings.jobNamePrefix);
  return { name: "slurm", run: (job, ctx) => runSlurmJob(job, ctx, settings) };
}

async function runSlurmJob(job: JobForFormatting, ctx: RunContext, settings: SlurmFormatterSettings): Promise<RunOutcome> {
  let prepared: PreparedRun;
  try {
    prepared = prepareCommand(job, settings);
  } catch (error) {
    return commandTemplateFailure(error);
  }
  if (ctx.signal.aborted) return abortedOutcome("cancelled before submission", "");

  const pollIntervalMs = settings.pollIntervalMs ?? 10_000;
  const tool = {
    env: ctx.env,
    cwd: settings.cwd,
    timeoutMs: settings.commandTimeoutMs,
  };
  const outputDir = settings.outputDir ?? join(homedir(), ".whatsnext", "slurm");
  let scriptPath: string;
  let outputPath: string;
  try {
    await mkdir(outputDir, { recursive: true });
    const jobDir = await mkdtemp(join(outputDir, `job-${job.id}-`));
    scriptPath = join(jobDir, "job.sh");
    outputPath = join(jobDir, "output.log");
    await writeFile(scriptPath, buildBatchScript(job, prepared), { mode: 0o700 });
  } catch (error) {
    return notStartedOutcome(`could not write the batch script under ${outputDir}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const outputTail = (): Promise<string> => readFileTail(outputPath, settings.maxTailBytes, settings.maxTailLines);

  // Not cancellable: once sbatch runs, only its answer tells us which job to scancel.
  const sbatchArgv = buildSbatchArgv(job, settings, { scriptPath, outputPath });
  const submitted = await runSchedulerCommand(sbatchArgv, tool);
  if (!succeeded(submitted)) {
    return notStartedOutcome(`SLURM refused the job: ${schedulerCommandError(sbatchArgv, submitted)}`, submitted.outputTail);
  }
  const slurmId = parseSbatchJobId(submitted.stdoutTail);
  if (slurmId === null) {
    return notStartedOutcome(`sbatch printed no job id: ${JSON.stringify(submitted.stdoutTail.trim().slice(0, 200))}`);
  }
  const display = `SLURM job ${slurmId}: ${prepared.display}`;
  if (!ctx.signal.aborted) ctx.onStarted?.(display);

  const cancel = async (why: string): Promise<string> => {
    const argv = ["scancel", slurmId];
    const result = await runSchedulerCommand(argv, tool);
    return succeeded(result) ? `${why}; sent scancel ${slurmId}` : `${why}; ${schedulerCommandError(argv, result)}`;
  };

  // Follow the job in the queue.
  const squeueArgv = ["squeue", "-h", "-j", slurmId, "-o", "%T"];
  let failures = 0;
  for (;;) {
    if (ctx.signal.aborted) return abortedOutcome(await cancel("cancelled"), display, await outputTail());
    const result = await runSchedulerCommand(squeueArgv, { ...tool, signal: ctx.signal });
    if (ctx.signal.aborted) continue;
    const verdict = classifySqueueResult(result);
    if (verdict === "gone") break;
    if (verdict === "error") {
      failures++;
      if (failures >= (settings.maxPollFailures ?? 30)) {
        const message = await cancel(`lost track of SLURM job ${slurmId}: ${failures} squeue calls failed in a row, the last: ${schedulerCommandError(squeueArgv, result)}`);
        return { success: false, exitCode: null, message, outputTail: await outputTail(), command: display, aborted: false };
      }
    } else {
      failures = 0;
    }
    await abortableDelay(pollIntervalMs, ctx.signal);
  }

  // The job has ended; ask accounting how.
  const sacctArgv = ["sacct", "-n", "-P", "-j", slurmId, "-o", "State,ExitCode"];
  const deadline = Date.now() + (settings.accountingTimeoutMs ?? 120_000);
  let lastAnswer = "no answer";
  for (;;) {
    const result = await runSchedulerCommand(sacctArgv, { ...tool, signal: ctx.signal });
    if (ctx.signal.aborted) {
      return abortedOutcome(`cancelled after SLURM job ${slurmId} had left the queue`, display, await outputTail());
    }
    if (succeeded(result)) {
      const record = parseSacctOutput(result.stdoutTail);
      if (record !== null && SLURM_FINAL_STATES.has(record.state)) {
        return slurmOutcome(slurmId, record, display, await outputTail());
      }
      lastAnswer = record === null ? "no record yet" : `state ${record.rawState}`;
    } else {
      lastAnswer = schedulerCommandError(sacctArgv, result);
    }
    if (Date.now() >= deadline) {
      return {
        success: false,
        exitCode: null,
        message: `SLURM job ${slurmId} left the queue but sacct gave no final state in time (${lastAnswer}); its outcome is unknown`,
        outputTail: await outputTail(),
        command: display,
        aborted: false,
      };
    }
    await abortableDelay(pollIntervalMs, ctx.signal);
  }
}

function slurmOutcome(slurmId: string, record: SacctRecord, display: string, outputTail: string): RunOutcome {
  const success = record.state === "COMPLETED" && record.exitCode === 0;
  const exit = record.exitCode === null ? "exit code unknown" : `exit code ${record.exitCode}`;
  const signal = record.signal ? `, signal ${record.signal}` : "";
  return {
    success,
    exitCode: record.exitCode,
    message: `SLURM job ${slurmId} ${record.rawState} (${exit}${signal})`,
    outputTail,
    command: display,
    aborted: false,
  };
}
