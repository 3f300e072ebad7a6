import type { SchedulerJob as SchedulerJobMessage } from "../../gen/whatsnext/v1/job_pb.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { SchedulerJob } from "../domain/job.js";
import { lastUtf8Bytes } from "../utf8-tail.js";
import type { Principal } from "../server/context.js";
import { LIMITS, requireId, requireIntInRange } from "./validation.js";

/**
 * What workers report, checked and cleaned once for the unary RPCs and the
 * Work stream alike: ids, resources, and outcomes whose text PostgreSQL can
 * store (no NUL) within the limits (an oversized tail keeps its end).
 */

const WORKER_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The principal a worker is bound to: its kind and name, or null for an
 * anonymous caller (authentication off) or an admin, who may act as any worker.
 */
export function boundPrincipal(principal: Principal): string | null {
  if (principal.kind === "anonymous" || principal.role === "admin") return null;
  return `${principal.kind}:${principal.name}`;
}

/** A worker id: 1 to 128 characters of [A-Za-z0-9_-]; the message shows what was wrong. */
export function requireWorkerId(field: string, value: string): string {
  if (!WORKER_ID.test(value)) {
    const shown = value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)` : JSON.stringify(value);
    throw new InvalidArgumentError(field, `must be 1 to 128 characters of A-Z, a-z, 0-9, _ and -, got ${shown}`);
  }
  return value;
}

export function optionalResource(field: string, value: number | undefined): number | null {
  return value === undefined ? null : requireIntInRange(field, value, 0, LIMITS.requiredResourceMax);
}

/** PostgreSQL text cannot hold NUL; a process's output may. */
export function withoutNul(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
}

/**
 * The output tail keeps its LAST LIMITS.outputTailBytes bytes: a worker that
 * sends more loses the oldest lines, never the job's result.
 */
export function outputTail(text: string): string {
  return lastUtf8Bytes(withoutNul(text), LIMITS.outputTailBytes);
}

/** A message keeps its first LIMITS.messageLength characters, for the same reason. */
export function outcomeMessage(text: string): string {
  return withoutNul(text.length > LIMITS.messageLength ? text.slice(0, LIMITS.messageLength) : text);
}

export function requireExitCode(value: number | undefined): number | null {
  return value === undefined ? null : value;
}

/** A batch: 1..LIMITS.maxJobsPerFetch items, each job once. */
export function requireBatch<T>(field: string, items: readonly T[], idOf: (item: T) => bigint): number[] {
  if (items.length === 0) throw new InvalidArgumentError(field, "must list at least one job");
  if (items.length > LIMITS.maxJobsPerFetch) throw new InvalidArgumentError(field, `must list at most ${LIMITS.maxJobsPerFetch} jobs, got ${items.length}`);
  const ids = items.map((item, i) => requireId(`${field}[${i}].job_id`, idOf(item)));
  const seen = new Set<number>();
  for (const id of ids) {
    if (seen.has(id)) throw new InvalidArgumentError(field, `names job ${id} twice`);
    seen.add(id);
  }
  return ids;
}

/** A list of job ids a worker names (0..LIMITS.maxJobsPerFetch, valid ids, each once). */
export function requireBatchIds(field: string, ids: readonly bigint[]): number[] {
  if (ids.length > LIMITS.maxJobsPerFetch) throw new InvalidArgumentError(field, `must list at most ${LIMITS.maxJobsPerFetch} jobs, got ${ids.length}`);
  const out = ids.map((id, i) => requireId(`${field}[${i}]`, id));
  if (new Set(out).size !== out.length) throw new InvalidArgumentError(field, "names a job twice");
  return out;
}

/** Accelerator ids a worker reports: at most 64, each 1 to 64 printable characters. */
export function requireAcceleratorIds(field: string, ids: readonly string[]): string[] {
  if (ids.length > 64) throw new InvalidArgumentError(field, `must list at most 64 ids, got ${ids.length}`);
  return ids.map((id, i) => {
    if (id.length === 0 || id.length > 64 || /[\u0000-\u001f\u007f]/.test(id)) throw new InvalidArgumentError(`${field}[${i}]`, "must be 1 to 64 printable characters");
    return id;
  });
}


/**
 * A scheduler job a worker reports: scheduler 1 to 16 characters, id 1 to
 * 128 printable characters, cluster at most 128, paths at most 4096.
 */
export function requireSchedulerJob(field: string, job: SchedulerJobMessage | undefined): SchedulerJob {
  if (!job) throw new InvalidArgumentError(field, "is required: the scheduler and the job's id there");
  const printable = (name: string, value: string, min: number, max: number): string => {
    if (value.length < min || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
      throw new InvalidArgumentError(`${field}.${name}`, `must be ${min} to ${max} printable characters, got ${JSON.stringify(value.slice(0, 64))}`);
    }
    return value;
  };
  return {
    scheduler: printable("scheduler", job.scheduler, 1, 16),
    id: printable("id", job.id, 1, 128),
    cluster: printable("cluster", job.cluster, 0, 128),
    outputPath: printable("output_path", job.outputPath, 0, 4096),
    runDir: printable("run_dir", job.runDir, 0, 4096),
  };
}
