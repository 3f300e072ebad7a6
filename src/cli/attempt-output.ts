/**
 * How a job's attempts read for a person: where each ran (worker and host),
 * when, with which command and accelerators, and how it ended. This is the
 * provenance a result is traced back with, so nothing is left out but the
 * older lines of long output tails (--json has them whole).
 */
import { AttemptOutcome, JobAttemptSchema, type JobAttempt } from "../../gen/whatsnext/v1/job_pb.js";
import { formatTime, messageJson } from "./human-format.js";
import { renderFields, renderTable } from "./table.js";

/** Lines of each attempt's output shown in `jobs show` (all of it with --json). */
export const ATTEMPT_TAIL_LINES = 10;

/** `preempted`, `completed`, …: the outcome as a word. */
export function outcomeName(outcome: AttemptOutcome): string {
  return (AttemptOutcome[outcome] ?? String(outcome)).toLowerCase();
}

/** Attempts as proto JSON, for --json. */
export function attemptsJson(attempts: JobAttempt[]): unknown[] {
  return attempts.map((a) => messageJson(JobAttemptSchema, a));
}

/** Every attempt as a block of fields, oldest first. */
export function attemptsText(attempts: JobAttempt[]): string {
  if (attempts.length === 0) return "--- attempts ---\n(none yet)";
  const blocks = attempts.map((a) => {
    const fields = renderFields([
      ["worker", workerText(a)],
      ["claimed", formatTime(a.claimTime)],
      ["started", formatTime(a.startTime)],
      ["finished", formatTime(a.finishTime)],
      ["command", a.command],
      ["accelerators", a.acceleratorIds.join(",")],
      ["exit code", a.exitCode],
      ["message", a.message],
    ]);
    const tail = lastLines(a.outputTail, ATTEMPT_TAIL_LINES);
    const output = tail === "" ? "" : `\n  output:\n${tail.split("\n").map((l) => `    ${l}`).join("\n")}`;
    return `attempt ${a.number}: ${outcomeName(a.outcome)}\n${indent(fields)}${output}`;
  });
  return `--- attempts ---\n${blocks.join("\n")}`;
}

/** One row per attempt, for listings of many jobs (`sweep attempts`). */
export function attemptsTable(attempts: JobAttempt[]): string {
  return renderTable(
    ["JOB", "#", "OUTCOME", "WORKER", "HOST", "STARTED", "FINISHED", "EXIT", "ACCELERATORS", "COMMAND"],
    attempts.map((a) => [a.jobId, a.number, outcomeName(a.outcome), a.workerName || a.workerId, a.workerHost, formatTime(a.startTime), formatTime(a.finishTime), a.exitCode, a.acceleratorIds.join(","), a.command]),
    "no attempts",
  );
}

function workerText(a: JobAttempt): string {
  const name = a.workerName && a.workerName !== a.workerId ? ` "${a.workerName}"` : "";
  return `${a.workerId}${name}${a.workerHost ? ` on ${a.workerHost}` : ""}`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}

function lastLines(text: string, n: number): string {
  const trimmed = text.endsWith("\n") ? text.slice(0, -1) : text;
  if (trimmed === "") return "";
  return trimmed.split("\n").slice(-n).join("\n");
}
