/**
 * Checkpoint hand-over between attempts of a job. A job learns what the last
 * preempted attempt left from WHATSNEXT_CHECKPOINT, and may leave a hint for
 * the next one by writing it to the file named by WHATSNEXT_CHECKPOINT_FILE
 * (typically when it gets SIGTERM). When the worker releases the job (it was
 * preempted or stopped), it sends the file's text as the checkpoint; the
 * server keeps it for the next attempt. The file is local to the worker, so
 * it is offered to jobs that run on the worker's machine (the cli formatter).
 */
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "../../gen/whatsnext/v1/job_pb.js";

/** Longest hint sent (the server's message limit is far above a path or a step number). */
export const MAX_CHECKPOINT_HINT_BYTES = 4096;

/** Where this attempt of the job may write its hint: one file per worker process, job and attempt. */
export function checkpointHintFile(job: Job, folder = tmpdir()): string {
  return join(folder, `whatsnext-checkpoint-${process.pid}-job${job.id}-run${job.runs}`);
}

/** The variables a job gets: the last checkpoint, and the file for its own hint when it has one. */
export function checkpointEnvironment(job: Job, hintFile: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (job.checkpoint !== "") env.WHATSNEXT_CHECKPOINT = job.checkpoint;
  if (hintFile !== undefined) env.WHATSNEXT_CHECKPOINT_FILE = hintFile;
  return env;
}

/** Reads and removes the hint the job wrote (trimmed; "" when it wrote none, or one too long to send, which `onProblem` hears of). */
export function takeCheckpointHint(hintFile: string | undefined, onProblem: (message: string) => void = () => undefined): string {
  if (hintFile === undefined) return "";
  let text = "";
  try {
    text = readFileSync(hintFile, "utf8").trim();
  } catch {
    return "";
  }
  rmSync(hintFile, { force: true });
  const bytes = Buffer.byteLength(text);
  if (bytes <= MAX_CHECKPOINT_HINT_BYTES) return text;
  onProblem(`the checkpoint hint in WHATSNEXT_CHECKPOINT_FILE has ${bytes} bytes, more than ${MAX_CHECKPOINT_HINT_BYTES}: not sent`);
  return "";
}

/** Removes a hint nobody will read (the job finished). */
export function discardCheckpointHint(hintFile: string | undefined): void {
  if (hintFile !== undefined) rmSync(hintFile, { force: true });
}
