/**
 * Settings of the slurm formatter (the `formatter:` section of a worker's
 * config file, or `--set key=value`), their checks at start-up, and the
 * folders they name resolved the way a person means them.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { FormatterSettingsError } from "../errors.js";
import type { CommandSettings } from "../prepare-command.js";
import {
  checkNonNegativeNumber,
  checkOptionalBoolean,
  checkOptionalString,
  checkPositiveNumber,
  checkStringArray,
  checkTextOrNumber,
} from "../settings-checks.js";

/** Settings of the slurm formatter; all optional. Numbers are accepted wherever SLURM reads one (`time=10`, `mem=4000`). */
export interface SlurmFormatterSettings extends CommandSettings {
  /** `--partition`; the cluster default when unset. */
  partition?: string | number;
  /** `--time` limit in any SLURM format ("1:00:00", "2-00:00:00"); a number is minutes. */
  time?: string | number;
  /** `--cpus-per-task`; defaults to the task's required_cpu (omitted when 0, and SLURM then gives one). */
  cpus?: number;
  /** `--mem`, e.g. "16G"; a number is megabytes. */
  mem?: string | number;
  /** GPUs per job, a count or "type:count"; defaults to the task's required_accelerators (omitted when 0). Asked for as `--gres=<gresName>:<gpus>`. */
  gpus?: number | string;
  /** Name of the GPU generic resource in the cluster's gres.conf; default "gpu". */
  gresName?: string;
  /** `--account` to charge. */
  account?: string | number;
  /** `--qos`. */
  qos?: string | number;
  /** More sbatch options, passed as given before the script (e.g. ["--constraint=a100"]). */
  extraArgs?: string[];
  /** Time between two squeue rounds (one squeue call follows every job of the worker); default 10 s. */
  pollIntervalMs?: number;
  /**
   * Where batch scripts, output files and exit markers go; default
   * ~/.whatsnext/slurm. `~` is the home folder; a relative path is taken from
   * `cwd` when set (as sbatch reads --output), else from the worker's folder.
   * Must be on a file system the compute nodes share.
   */
  outputDir?: string;
  /** Folder sbatch runs in, which SLURM makes the job's working folder; `~` and relative paths as for outputDir. Default: the worker's. */
  cwd?: string;
  /** Prefix of SLURM job names, followed by the WhatsNext job id; default "wn". */
  jobNamePrefix?: string;
  /** Submit jobs claimed together with the same sbatch options as one job array; default true. */
  jobArrays?: boolean;
  /** Most jobs in one array (keep at most the cluster's MaxArraySize - 1); default 1000. */
  arrayMaxSize?: number;
  /**
   * Pending reasons after which SLURM will never start the job as submitted;
   * such a job is cancelled and failed with the reason. A trailing `*`
   * matches any ending. Default: see DEFAULT_NEVER_RUNS_REASONS.
   */
  neverRunsReasons?: string[];
  /** How long sacct may take to report a job SLURM no longer lists (when accounting is on); default 2 min. */
  accountingTimeoutMs?: number;
  /** Limit for one sbatch/squeue/sacct/scancel call; default 60 s. */
  commandTimeoutMs?: number;
  /** After this many failed squeue rounds in a row (other than the controller being unreachable), give up on the job and scancel it; default 30. */
  maxPollFailures?: number;
  /**
   * How long a submitted job is followed through a controller outage before
   * it is given back to the queue as "cluster unavailable"; default 1 hour.
   * SLURM keeps running jobs through an outage, so this is generous.
   */
  controllerOutageLimitMs?: number;
  /** Longest pause between two probes of an unreachable controller; default 60 s. */
  maxOutageBackoffMs?: number;
  /** Bytes of the output file kept for FinishJob; default 64 KiB. */
  maxTailBytes?: number;
  /** Lines of the output file kept for FinishJob; default 200. */
  maxTailLines?: number;
}

/**
 * Pending reasons of a job SLURM cannot start as submitted (squeue's JOB
 * REASON CODES): it asks for more than the partition has, or for an account,
 * QOS or dependency that cannot be satisfied. Reasons that pass with time
 * (Resources, Priority, QOSGrp*, AssocGrp*, ReqNodeNotAvail) are not here.
 */
export const DEFAULT_NEVER_RUNS_REASONS: readonly string[] = [
  "PartitionConfig",
  "PartitionTimeLimit",
  "BadConstraints",
  "DependencyNeverSatisfied",
  "InvalidAccount",
  "InvalidQOS",
  "AssocMax*PerJob*",
  "QOSMax*PerJob*",
  "QOSMinGRES",
  "QOSMinCpuNotSatisfied",
];

/** Throws FormatterSettingsError naming the first bad setting. */
export function checkSlurmSettings(settings: SlurmFormatterSettings): void {
  checkTextOrNumber("slurm.partition", settings.partition);
  checkTextOrNumber("slurm.time", settings.time);
  checkNonNegativeNumber("slurm.cpus", settings.cpus);
  checkTextOrNumber("slurm.mem", settings.mem);
  if (typeof settings.gpus === "string") checkOptionalString("slurm.gpus", settings.gpus);
  else checkNonNegativeNumber("slurm.gpus", settings.gpus);
  checkOptionalString("slurm.gresName", settings.gresName);
  checkTextOrNumber("slurm.account", settings.account);
  checkTextOrNumber("slurm.qos", settings.qos);
  checkStringArray("slurm.extraArgs", settings.extraArgs);
  checkPositiveNumber("slurm.pollIntervalMs", settings.pollIntervalMs);
  checkOptionalString("slurm.outputDir", settings.outputDir);
  checkOptionalString("slurm.cwd", settings.cwd);
  checkOptionalString("slurm.jobNamePrefix", settings.jobNamePrefix);
  checkOptionalBoolean("slurm.jobArrays", settings.jobArrays);
  checkPositiveNumber("slurm.arrayMaxSize", settings.arrayMaxSize);
  checkStringArray("slurm.neverRunsReasons", settings.neverRunsReasons);
  checkPositiveNumber("slurm.accountingTimeoutMs", settings.accountingTimeoutMs);
  checkPositiveNumber("slurm.commandTimeoutMs", settings.commandTimeoutMs);
  checkPositiveNumber("slurm.maxPollFailures", settings.maxPollFailures);
  checkPositiveNumber("slurm.controllerOutageLimitMs", settings.controllerOutageLimitMs);
  checkPositiveNumber("slurm.maxOutageBackoffMs", settings.maxOutageBackoffMs);
  checkPositiveNumber("slurm.maxTailBytes", settings.maxTailBytes);
  checkPositiveNumber("slurm.maxTailLines", settings.maxTailLines);
  if (settings.arrayMaxSize !== undefined && !Number.isInteger(settings.arrayMaxSize)) {
    throw new FormatterSettingsError("slurm.arrayMaxSize", `must be a whole number, got ${settings.arrayMaxSize}`);
  }
}

/** A setting SLURM reads as text, as text ("10" for time=10); undefined when unset or empty. */
export function settingText(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  return text === "" ? undefined : text;
}

/** `~` or `~/…` at the start of a path, as the shell would read it for the given home folder. */
export function expandHome(path: string, home: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return path;
}

/** The folders a run uses, absolute. */
export interface SlurmFolders {
  /** Where sbatch runs (the job's working folder); undefined: the worker's own. */
  cwd: string | undefined;
  /** Where each run gets its folder of script, output and exit marker. */
  outputDir: string;
}

/**
 * Resolves `cwd` and `outputDir`: `~` is the home folder of the jobs'
 * environment (HOME, else the worker's), a relative cwd is taken from the
 * worker's folder, and a relative outputDir from cwd when set (where sbatch
 * would read a relative --output) or else the worker's folder. Everything
 * handed to sbatch is then absolute, whatever folder it runs in.
 */
export function resolveSlurmFolders(settings: SlurmFormatterSettings, env: Record<string, string>, workerDir: string = process.cwd()): SlurmFolders {
  const home = env.HOME || homedir();
  const cwd = settings.cwd === undefined ? undefined : resolve(workerDir, expandHome(settings.cwd, home));
  const outputDir =
    settings.outputDir === undefined ? join(home, ".whatsnext", "slurm") : resolve(cwd ?? workerDir, expandHome(settings.outputDir, home));
  return { cwd, outputDir };
}

/** Whether a pending reason is one after which SLURM never starts the job (a `*` in a pattern matches any text). */
export function neverRuns(reason: string, patterns: readonly string[] = DEFAULT_NEVER_RUNS_REASONS): boolean {
  return patterns.some((pattern) => {
    const regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return regex.test(reason);
  });
}
