/**
 * The sbatch command line: the resource options a job asks for, built from
 * the task's requirements and the formatter's settings, and the parts that
 * name the script and output file.
 */
import type { JobForFormatting } from "../types.js";
import { type SlurmFormatterSettings, settingText } from "./settings.js";

/**
 * The sbatch options that decide what SLURM allocates and where: partition,
 * time, CPUs, memory, GPUs, account, QOS and the extra arguments. Jobs with
 * the same options may share one job array.
 */
export function sbatchResourceOptions(job: JobForFormatting, settings: SlurmFormatterSettings): string[] {
  const options: string[] = [];
  const partition = settingText(settings.partition);
  if (partition) options.push(`--partition=${partition}`);
  const time = settingText(settings.time);
  if (time) options.push(`--time=${time}`);
  const cpus = settings.cpus ?? job.requiredCpu;
  if (cpus > 0) options.push(`--cpus-per-task=${Math.ceil(cpus)}`);
  const mem = settingText(settings.mem);
  if (mem) options.push(`--mem=${mem}`);
  const gpus = settings.gpus ?? job.requiredAccelerators;
  if (typeof gpus === "string" ? gpus.trim() !== "" : gpus > 0) {
    options.push(`--gres=${settings.gresName ?? "gpu"}:${typeof gpus === "number" ? Math.ceil(gpus) : gpus.trim()}`);
  }
  const account = settingText(settings.account);
  if (account) options.push(`--account=${account}`);
  const qos = settingText(settings.qos);
  if (qos) options.push(`--qos=${qos}`);
  options.push(...(settings.extraArgs ?? []));
  return options;
}

/**
 * The CPUs SLURM allocates to a job of a task asking for `requiredCpu`: the
 * `cpus` setting when set, else the task's, and never less than one (SLURM
 * gives every job at least one CPU).
 */
export function slurmCpusHeld(requiredCpu: number, settings: SlurmFormatterSettings): number {
  return Math.max(1, Math.ceil(settings.cpus ?? requiredCpu));
}

/** Escapes `%` in a path given to sbatch --output, where `%j` and friends are replacement symbols. */
export function escapeSbatchFilename(path: string): string {
  return path.replaceAll("%", "%%");
}

/** The sbatch command line for one job whose script and output file are at the given paths. */
export function buildSbatchArgv(
  job: JobForFormatting,
  settings: SlurmFormatterSettings,
  paths: { scriptPath: string; outputPath: string },
): string[] {
  return [
    "sbatch",
    "--parsable",
    `--job-name=${settings.jobNamePrefix ?? "wn"}-${job.id}`,
    `--output=${escapeSbatchFilename(paths.outputPath)}`,
    // A requeued job's script moves the earlier run's output aside itself (see batch-script.ts); truncating would lose it first.
    "--open-mode=append",
    ...sbatchResourceOptions(job, settings),
    paths.scriptPath,
  ];
}

/** What sbatch --parsable printed: "12345", or "12345;cluster" on a federation. */
export interface SbatchAnswer {
  jobId: string;
  cluster?: string;
}

/** Reads sbatch --parsable's answer; null when it printed no job id. */
export function parseSbatchAnswer(stdout: string): SbatchAnswer | null {
  const line = stdout.split("\n").find((candidate) => candidate.trim() !== "") ?? "";
  const match = /^\s*(\d+)(?:;(\S*))?\s*$/.exec(line);
  if (!match) return null;
  return match[2] ? { jobId: match[1]!, cluster: match[2] } : { jobId: match[1]! };
}

/** The job id alone from sbatch --parsable's answer, null when there is none. */
export function parseSbatchJobId(stdout: string): string | null {
  return parseSbatchAnswer(stdout)?.jobId ?? null;
}
