/**
 * A worker's settings from its flags and the `worker:` / `formatter:`
 * sections of `.whatsnext` (flags win), checked before it registers so a
 * misconfigured worker stops at once instead of failing every job it claims.
 */
import { availableParallelism } from "node:os";
import type { FormatterSettings } from "./formatters/index.js";
import { parseDurationSeconds } from "../duration.js";
import { resolveAccelerators } from "./accelerators.js";
import type { WorkerOptions } from "./worker-options.js";

/** The worker settings a person may give, as flags or in the file. */
export interface WorkerSettingsInput {
  id?: string;
  name?: string;
  entity?: string;
  description?: string;
  cpus?: number | string;
  accelerators?: number | string;
  parallel?: number | string;
  once?: boolean;
  maxJobs?: number | string;
  waitSeconds?: number | string;
  graceSeconds?: number | string;
  heartbeatSeconds?: number | string;
  /** Time the worker has, from its start: `10m`, `4h`, `1-00:00:00`. */
  walltime?: number | string;
  /** On SIGTERM, release running jobs at once as preempted instead of letting them finish. */
  preemptible?: boolean;
  formatter?: string;
}

/** The checked settings; who the worker is and what it has are WorkerOptions' own fields. */
export interface WorkerSettings extends Pick<WorkerOptions, "id" | "name" | "entity" | "description" | "cpus" | "acceleratorIds"> {
  parallel: number;
  once: boolean;
  maxJobs?: number;
  waitSeconds: number;
  graceMs: number;
  heartbeatSeconds?: number;
  walltimeSeconds?: number;
  preemptible: boolean;
  formatter: FormatterSettings;
}

/** Thrown for a bad setting; the message names it. */
export class WorkerSettingsError extends Error {
  override name = "WorkerSettingsError";
}

const FILE_KEYS: Record<string, keyof WorkerSettingsInput> = {
  id: "id",
  name: "name",
  entity: "entity",
  description: "description",
  cpus: "cpus",
  accelerators: "accelerators",
  parallel: "parallel",
  max_jobs: "maxJobs",
  wait_seconds: "waitSeconds",
  grace_seconds: "graceSeconds",
  heartbeat_seconds: "heartbeatSeconds",
  walltime: "walltime",
  preemptible: "preemptible",
};

/** Reads the file's `worker:` section into the flag-shaped input; unknown keys are errors. */
export function workerInputFromFile(section: Record<string, unknown> | undefined): WorkerSettingsInput {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section ?? {})) {
    const field = FILE_KEYS[key];
    if (!field) throw new WorkerSettingsError(`worker.${key} is not a worker setting (known: ${Object.keys(FILE_KEYS).join(", ")})`);
    input[field] = value;
  }
  return input as WorkerSettingsInput;
}

/**
 * Builds the formatter settings: `kind` from --formatter or the file
 * (default cli), the file's other keys (snake_case or camelCase), then
 * `--set key=value` overrides.
 */
export function formatterSettings(kindFlag: string | undefined, section: Record<string, unknown> | undefined, overrides: Record<string, unknown> = {}): FormatterSettings {
  const fromFile: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section ?? {})) fromFile[camelCase(key)] = value;
  for (const [key, value] of Object.entries(overrides)) fromFile[camelCase(key)] = value;
  const kind = kindFlag ?? (fromFile.kind as string | undefined) ?? "cli";
  if (kind !== "cli" && kind !== "slurm" && kind !== "runai") throw new WorkerSettingsError(`--formatter must be cli, slurm or runai, got ${JSON.stringify(kind)}`);
  return { ...fromFile, kind } as FormatterSettings;
}

/** Merges flags over file values and checks every number. */
export async function resolveWorkerSettings(flags: WorkerSettingsInput, file: WorkerSettingsInput, formatter: FormatterSettings, env: NodeJS.ProcessEnv = process.env): Promise<WorkerSettings> {
  const pick = <K extends keyof WorkerSettingsInput>(key: K) => (flags[key] !== undefined ? flags[key] : file[key]);
  const local = formatter.kind === "cli";
  const cpusRaw = pick("cpus");
  // Local processes share this machine: count its CPUs by default. A scheduler's capacity is its own: do not filter unless told.
  const cpus = cpusRaw === undefined || cpusRaw === "" ? (local ? availableParallelism() : undefined) : cpusRaw === "any" ? undefined : whole("cpus", cpusRaw, 0);
  const acceleratorsRaw = pick("accelerators");
  let acceleratorIds: string[] | undefined;
  if (acceleratorsRaw === undefined) acceleratorIds = local ? [] : undefined;
  else if (acceleratorsRaw === "any") acceleratorIds = undefined;
  else {
    try {
      acceleratorIds = await resolveAccelerators(acceleratorsRaw, env);
    } catch (err) {
      throw new WorkerSettingsError((err as Error).message);
    }
  }
  const parallelRaw = pick("parallel");
  const parallel = parallelRaw === undefined ? Math.max(1, local ? (cpus ?? 1) : 4) : whole("parallel", parallelRaw, 1);
  const maxJobsRaw = pick("maxJobs");
  const heartbeatRaw = pick("heartbeatSeconds");
  const id = pick("id");
  if (id !== undefined && !/^[A-Za-z0-9_-]{1,128}$/.test(String(id))) throw new WorkerSettingsError(`id must be 1 to 128 of [A-Za-z0-9_-], got ${JSON.stringify(id)}`);
  return {
    id: id === undefined ? undefined : String(id),
    name: optionalText(pick("name")),
    entity: optionalText(pick("entity")),
    description: optionalText(pick("description")),
    cpus,
    acceleratorIds,
    parallel,
    once: Boolean(flags.once),
    maxJobs: maxJobsRaw === undefined ? undefined : whole("max-jobs", maxJobsRaw, 1),
    waitSeconds: whole("wait-seconds", pick("waitSeconds") ?? 30, 0, 60),
    graceMs: whole("grace-seconds", pick("graceSeconds") ?? 30, 0) * 1000,
    heartbeatSeconds: heartbeatRaw === undefined ? undefined : whole("heartbeat-seconds", heartbeatRaw, 1),
    walltimeSeconds: walltime(pick("walltime")),
    preemptible: Boolean(pick("preemptible")),
    formatter,
  };
}

function walltime(raw: number | string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const seconds = parseDurationSeconds(String(raw));
  if (seconds === undefined || seconds < 1) throw new WorkerSettingsError(`walltime must be a duration such as 90m, 4h, 1h30m or 1-00:00:00, got ${JSON.stringify(raw)}`);
  return seconds;
}

function whole(name: string, raw: number | string, min: number, max = 1_000_000): number {
  const value = typeof raw === "number" ? raw : Number(String(raw).trim());
  if (String(raw).trim() === "" || !Number.isInteger(value) || value < min || value > max) {
    throw new WorkerSettingsError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function optionalText(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function camelCase(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
