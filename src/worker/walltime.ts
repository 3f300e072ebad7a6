/**
 * The time a worker has left, so it is handed only jobs expected to finish
 * in it (FetchJob `available_time`). Two sources, the earlier end wins:
 * `--walltime DURATION` from the worker's start, and the end of the SLURM
 * allocation the worker runs in (`SLURM_JOB_END_TIME`, epoch seconds, or one
 * `squeue` call when only `SLURM_JOB_ID` is set). A job of unknown expected
 * duration is always handed out: the server cannot tell it would not fit.
 */
import { execFile } from "node:child_process";
import { create } from "@bufbuild/protobuf";
import { DurationSchema, type Duration } from "@bufbuild/protobuf/wkt";

/** When the worker's time ends (epoch ms) and what said so, for its log. */
export interface Deadline {
  atMs: number;
  source: string;
}

/** How long one `squeue` call may take before the worker starts without it. */
const SQUEUE_TIMEOUT_MS = 5000;

/** Thrown for a SLURM_JOB_END_TIME that is not epoch seconds; names the variable. */
export class WalltimeError extends Error {
  override name = "WalltimeError";
}

/**
 * The earlier of the two ends; undefined when neither is known.
 * `onWarning` hears why squeue gave nothing (the worker runs on without it).
 */
export async function resolveDeadline(
  walltimeSeconds: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
  nowMs = Date.now(),
  onWarning: (message: string) => void = () => undefined,
): Promise<Deadline | undefined> {
  const candidates: Deadline[] = [];
  if (walltimeSeconds !== undefined) candidates.push({ atMs: nowMs + walltimeSeconds * 1000, source: "--walltime" });
  const slurm = await slurmJobEnd(env, onWarning);
  if (slurm) candidates.push(slurm);
  return candidates.sort((a, b) => a.atMs - b.atMs)[0];
}

/** The time left as FetchJob's `available_time` (whole seconds, never negative); unset without a deadline. */
export function availableTime(deadline: Deadline | undefined, nowMs = Date.now()): Duration | undefined {
  if (!deadline) return undefined;
  return create(DurationSchema, { seconds: BigInt(Math.max(0, Math.floor((deadline.atMs - nowMs) / 1000))) });
}

async function slurmJobEnd(env: NodeJS.ProcessEnv, onWarning: (message: string) => void): Promise<Deadline | undefined> {
  const endTime = env.SLURM_JOB_END_TIME?.trim();
  if (endTime) {
    if (!/^\d+$/.test(endTime)) throw new WalltimeError(`SLURM_JOB_END_TIME must be epoch seconds, got ${JSON.stringify(endTime)}`);
    return { atMs: Number(endTime) * 1000, source: "SLURM_JOB_END_TIME" };
  }
  const jobId = env.SLURM_JOB_ID?.trim();
  if (!jobId || !/^[0-9_]+$/.test(jobId)) return undefined;
  const text = await squeueEndTime(jobId, env).catch((err: unknown) => {
    onWarning(`cannot read the end of SLURM job ${jobId} with squeue (${err instanceof Error ? err.message : String(err)}); no time limit known`);
    return undefined;
  });
  if (text === undefined) return undefined;
  // %e is local time without a zone (2026-11-30T12:00:00), or N/A / Unknown for no limit.
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(text)) return undefined;
  const atMs = new Date(text).getTime();
  return Number.isNaN(atMs) ? undefined : { atMs, source: `squeue (SLURM job ${jobId})` };
}

function squeueEndTime(jobId: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("squeue", ["-h", "-j", jobId, "-o", "%e"], { env, timeout: SQUEUE_TIMEOUT_MS }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.trim().split("\n")[0]?.trim() ?? "");
    });
  });
}
