/**
 * The runai formatter: submits the job as a Run:ai training job (Kubernetes)
 * and follows it until Run:ai says how it ended.
 *
 * It speaks the Run:ai v1 command line (the `runai` CLI of Run:ai 2.x), all
 * without a shell:
 * - `runai submit <name> --project P --image I [--gpu G] [--cpu C]
 *   [--memory M] -e KEY=VALUE… [extraArgs…] --command -- <argv…>`
 *   (`--command` makes argv replace the image's entrypoint; with
 *   `useImageEntrypoint` it is left out and argv become the entrypoint's arguments);
 * - `runai describe job <name> -p P`, polled, reading its `Status:` line
 *   (and an `Exit Code:` line when there is one) until Succeeded or Failed;
 *   a transient `Error` status is not an end, since Run:ai retries the pod;
 * - `runai logs <name> -p P` for the output tail;
 * - `runai delete job <name> -p P` when the run is aborted.
 *
 * Parameters reach the container twice: in argv through the command
 * template, and as environment variables (key upper-cased, other characters
 * than letters and digits turned into `_`), next to WHATSNEXT_JOB_ID,
 * WHATSNEXT_JOB_NAME and WHATSNEXT_TASK. Each `-e` value is one argument, but
 * the runai CLI itself may split a value at commas: prefer the argv route
 * for values that can contain them.
 */
import { randomBytes } from "node:crypto";
import { DEFAULT_TAIL_BYTES, DEFAULT_TAIL_LINES } from "../process-runner.js";
import { abortableDelay } from "./abortable-delay.js";
import { parameterToText } from "./command-template.js";
import { CommandTemplateError, FormatterSettingsError } from "./errors.js";
import { abortedOutcome, commandTemplateFailure, notStartedOutcome } from "./outcomes.js";
import { type CommandSettings, jobEnvironment, prepareCommand } from "./prepare-command.js";
import { runSchedulerCommand, schedulerCommandError, succeeded } from "./scheduler-command.js";
import {
  checkNonNegativeNumber,
  checkOptionalString,
  checkPositiveNumber,
  checkRequiredString,
  checkStringArray,
} from "./settings-checks.js";
import type { Formatter, JobForFormatting, PreparedRun, RunContext, RunOutcome } from "./types.js";

/** Settings of the runai formatter (the worker's config file); project and image are required. */
export interface RunaiFormatterSettings extends CommandSettings {
  /** Run:ai project the jobs are submitted to (`--project`). */
  project: string;
  /** Container image the jobs run in (`--image`). */
  image: string;
  /** `--gpu`, may be fractional (0.5); defaults to the task's required_accelerators (omitted when 0). */
  gpu?: number;
  /** `--cpu`; defaults to the task's required_cpu (omitted when 0). */
  cpu?: number;
  /** `--memory`, e.g. "16G". */
  memory?: string;
  /** More `runai submit` options, passed as given before `--` (e.g. ["--node-type", "a100"]). */
  extraArgs?: string[];
  /** Leave out `--command`, so argv become arguments of the image's entrypoint. */
  useImageEntrypoint?: boolean;
  /** Time between two `runai describe job` polls; default 10 s. */
  pollIntervalMs?: number;
  /** Prefix of Run:ai job names, followed by the WhatsNext job id and a random suffix; default "wn". */
  jobNamePrefix?: string;
  /** Limit for one runai call; default 60 s. */
  commandTimeoutMs?: number;
  /** After this many failed describe calls in a row, give up on the job and delete it; default 30. */
  maxPollFailures?: number;
  /** Bytes of the logs kept for FinishJob; default 64 KiB. */
  maxTailBytes?: number;
  /** Lines of the logs kept for FinishJob; default 200. */
  maxTailLines?: number;
}

/** Statuses after which a Run:ai job has succeeded. */
export const RUNAI_SUCCEEDED_STATUSES: ReadonlySet<string> = new Set(["succeeded", "completed"]);
/** Statuses after which a Run:ai job will not run again without a new submission. */
export const RUNAI_FAILED_STATUSES: ReadonlySet<string> = new Set(["failed", "deleted", "timedout", "stopped"]);

/** A job's status as `runai describe job` shows it. */
export interface RunaiDescription {
  /** The word after `Status:`, null when the output has none. */
  status: string | null;
  /** The last `Exit Code:` shown (the container's), null when there is none. */
  exitCode: number | null;
}

/** Reads the status (and exit code, when shown) from `runai describe job` output. */
export function parseRunaiDescribe(text: string): RunaiDescription {
  const status = /^\s*Status:\s*(\S+)/im.exec(text)?.[1] ?? null;
  const exitCodes = [...text.matchAll(/Exit\s*Code:\s*(-?\d+)/gi)];
  const last = exitCodes[exitCodes.length - 1];
  return { status, exitCode: last ? Number(last[1]) : null };
}

/** Whether a status is an end: "succeeded", "failed", or "running" for anything else (Pending, Error, …). */
export function classifyRunaiStatus(status: string): "running" | "succeeded" | "failed" {
  const normalized = status.toLowerCase();
  if (RUNAI_SUCCEEDED_STATUSES.has(normalized)) return "succeeded";
  if (RUNAI_FAILED_STATUSES.has(normalized)) return "failed";
  return "running";
}

/**
 * A parameter key as an environment variable name: upper case, characters
 * other than letters and digits as `_`, and a leading `_` before a digit, since
 * Kubernetes refuses names that start with one.
 */
export function runaiEnvironmentName(key: string): string {
  const name = key.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/**
 * The container's variables for a job: its parameters and the WHATSNEXT_*
 * variables. Throws CommandTemplateError when two of them get the same name
 * ("lr" and "LR"), rather than silently dropping one.
 */
export function runaiEnvironment(job: JobForFormatting): Record<string, string> {
  const env: Record<string, string> = {};
  const source = new Map<string, string>();
  const add = (name: string, value: string, from: string): void => {
    const other = source.get(name);
    if (other !== undefined) {
      throw new CommandTemplateError(`${other} and ${from} of job ${job.id} both become the environment variable ${name}`);
    }
    source.set(name, from);
    env[name] = value;
  };
  for (const [name, value] of Object.entries(jobEnvironment(job))) add(name, value, `the variable ${name}`);
  for (const key of Object.keys(job.parameters).sort()) {
    const value = job.parameters[key];
    if (value !== undefined) add(runaiEnvironmentName(key), parameterToText(value), `parameter ${JSON.stringify(key)}`);
  }
  return env;
}

/** A Run:ai job name for one attempt: DNS-safe, unique across retries of the same job (Run:ai keeps ended jobs). */
export function runaiJobName(job: JobForFormatting, prefix = "wn", suffix: string = randomBytes(3).toString("hex")): string {
  return `${prefix}-${job.id}-${suffix}`;
}

/** The `runai submit` command line for a job. */
export function buildRunaiSubmitArgv(
  name: string,
  job: JobForFormatting,
  prepared: PreparedRun,
  env: Record<string, string>,
  settings: RunaiFormatterSettings,
): string[] {
  const argv = ["runai", "submit", name, "--project", settings.project, "--image", settings.image];
  const gpu = settings.gpu ?? job.requiredAccelerators;
  if (gpu > 0) argv.push("--gpu", String(gpu));
  const cpu = settings.cpu ?? job.requiredCpu;
  if (cpu > 0) argv.push("--cpu", String(cpu));
  if (settings.memory) argv.push("--memory", settings.memory);
  for (const [key, value] of Object.entries(env)) argv.push("-e", `${key}=${value}`);
  argv.push(...(settings.extraArgs ?? []));
  if (!settings.useImageEntrypoint) argv.push("--command");
  argv.push("--", ...prepared.argv);
  return argv;
}

/** Creates the formatter that runs jobs on Run:ai; throws FormatterSettingsError for bad settings. */
export function createRunaiFormatter(settings: RunaiFormatterSettings): Formatter {
  checkRequiredString("runai.project", settings.project);
  checkRequiredString("runai.image", settings.image);
  checkNonNegativeNumber("runai.gpu", settings.gpu);
  checkNonNegativeNumber("runai.cpu", settings.cpu);
  checkOptionalString("runai.memory", settings.memory);
  checkStringArray("runai.extraArgs", settings.extraArgs);
  checkPositiveNumber("runai.pollIntervalMs", settings.pollIntervalMs);
  checkPositiveNumber("runai.commandTimeoutMs", settings.commandTimeoutMs);
  checkPositiveNumber("runai.maxPollFailures", settings.maxPollFailures);
  if (settings.jobNamePrefix !== undefined && !/^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/.test(settings.jobNamePrefix)) {
    throw new FormatterSettingsError(
      "runai.jobNamePrefix",
      `must be lower-case letters, digits and "-" (a Kubernetes name), got ${JSON.stringify(settings.jobNamePrefix)}`,
    );
  }
  return { name: "runai", run: (job, ctx) => runRunaiJob(job, ctx, settings) };
}

async function runRunaiJob(job: JobForFormatting, ctx: RunContext, settings: RunaiFormatterSettings): Promise<RunOutcome> {
  let prepared: PreparedRun;
  let env: Record<string, string>;
  try {
    prepared = prepareCommand(job, settings);
    env = runaiEnvironment(job);
  } catch (error) {
    return commandTemplateFailure(error);
  }
  if (ctx.signal.aborted) return abortedOutcome("cancelled before submission", "");

  const tool = { env: ctx.env, timeoutMs: settings.commandTimeoutMs };
  const project = settings.project;
  const name = runaiJobName(job, settings.jobNamePrefix);

  // Not cancellable: once submitted, the job must be deleted by name, which needs the submission to finish.
  const submitArgv = buildRunaiSubmitArgv(name, job, prepared, env, settings);
  const submitted = await runSchedulerCommand(submitArgv, tool);
  if (!succeeded(submitted)) {
    return notStartedOutcome(`Run:ai refused the job: ${schedulerCommandError(submitArgv, submitted)}`, submitted.outputTail);
  }
  const display = `Run:ai job ${name} (project ${project}): ${prepared.display}`;
  if (!ctx.signal.aborted) ctx.onStarted?.(display);

  const remove = async (why: string): Promise<string> => {
    const argv = ["runai", "delete", "job", name, "-p", project];
    const result = await runSchedulerCommand(argv, tool);
    return succeeded(result) ? `${why}; deleted Run:ai job ${name}` : `${why}; ${schedulerCommandError(argv, result)}`;
  };

  const describeArgv = ["runai", "describe", "job", name, "-p", project];
  let failures = 0;
  let final: { verdict: "succeeded" | "failed"; description: RunaiDescription } | null = null;
  while (final === null) {
    if (ctx.signal.aborted) return abortedOutcome(await remove("cancelled"), display);
    const result = await runSchedulerCommand(describeArgv, { ...tool, signal: ctx.signal });
    if (ctx.signal.aborted) continue;
    const description = parseRunaiDescribe(result.stdoutTail);
    if (succeeded(result) && description.status !== null) {
      failures = 0;
      const verdict = classifyRunaiStatus(description.status);
      if (verdict !== "running") final = { verdict, description };
    } else if (result.spawnError === null && !result.aborted && /not found/i.test(result.outputTail)) {
      return {
        success: false,
        exitCode: null,
        message: `Run:ai job ${name} disappeared while running (deleted outside WhatsNext?)`,
        outputTail: "",
        command: display,
        aborted: false,
      };
    } else {
      failures++;
      if (failures >= (settings.maxPollFailures ?? 30)) {
        const reason = succeeded(result) ? "printed no Status line" : schedulerCommandError(describeArgv, result);
        const message = await remove(`lost track of Run:ai job ${name}: ${failures} describe calls failed in a row, the last: ${reason}`);
        return { success: false, exitCode: null, message, outputTail: "", command: display, aborted: false };
      }
    }
    if (final === null) await abortableDelay(settings.pollIntervalMs ?? 10_000, ctx.signal);
  }

  const logsArgv = ["runai", "logs", name, "-p", project];
  const logs = await runSchedulerCommand(logsArgv, {
    ...tool,
    maxTailBytes: settings.maxTailBytes ?? DEFAULT_TAIL_BYTES,
    maxTailLines: settings.maxTailLines ?? DEFAULT_TAIL_LINES,
  });
  const outputTail = succeeded(logs) ? logs.outputTail : `(${schedulerCommandError(logsArgv, logs)})`;
  const success = final.verdict === "succeeded";
  const exitCode = final.description.exitCode ?? (success ? 0 : null);
  const exit = exitCode === null ? "" : ` (exit code ${exitCode})`;
  return {
    success,
    exitCode,
    message: `Run:ai job ${name} ${final.description.status ?? final.verdict}${exit}`,
    outputTail,
    command: display,
    aborted: false,
  };
}
