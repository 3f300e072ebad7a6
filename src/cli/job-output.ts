/**
 * How a job reads for a person (one table row, or every field with the
 * output tail last, where a failure's stderr is) and for a script (proto JSON).
 */
import { JobStatus } from "../../gen/whatsnext/v1/common_pb.js";
import { JobSchema, SchedulerJobSchema, type Job, type SchedulerJob } from "../../gen/whatsnext/v1/job_pb.js";
import type { CliContext } from "./cli-context.js";
import { formatTime, jobStatusName, messageJson } from "./human-format.js";
import { renderFields, renderTable } from "./table.js";

/**
 * Prints one job: all fields, then its output tail. schedulerJob: the one of
 * the job's latest attempt (a SLURM job and its output file), when it has one.
 */
export function printJob(ctx: CliContext, job: Job, extra: Record<string, unknown> = {}, schedulerJob?: SchedulerJob, attempts = ""): void {
  const json = schedulerJob ? { ...extra, schedulerJob: messageJson(SchedulerJobSchema, schedulerJob) } : extra;
  ctx.print({ ...(messageJson(JobSchema, job) as object), ...json }, () => jobText(job, attempts, schedulerJob));
}

/** The columns of a job listing; workers by the names in `workerNames` (id → name) where known. */
export function jobsTable(jobs: Job[], empty: string, workerNames: ReadonlyMap<string, string> = new Map()): string {
  return renderTable(
    ["ID", "NAME", "TASK", "STATUS", "PRI", "TRY", "WORKER", "PARAMETERS"],
    jobs.map((j) => [j.id, j.name, j.taskName, jobStatusName(j.status), j.priority, `${j.attempts}/${j.maxAttempts}`, workerNames.get(j.workerId) ?? j.workerId, JSON.stringify(j.parameters ?? {})]),
    empty,
  );
}

/**
 * Every field of a job for a person; `attempts` (a section of its own) goes
 * before the output tail. A job waiting to run again (after a retry or a lost
 * worker) still holds its last attempt's exit code, message and output; they
 * are labelled as that attempt's, not shown as its state. schedulerJob: the
 * latest attempt's scheduler job (a SLURM job and its output file), when it has one.
 */
export function jobText(j: Job, attempts = "", schedulerJob?: SchedulerJob): string {
  const waitingAgain = (j.status === JobStatus.PENDING || j.status === JobStatus.QUEUED) && (j.exitCode !== undefined || j.message !== "" || j.outputTail !== "");
  if (waitingAgain) return waitingJobText(j, attempts);
  const fields = renderFields([
    ["id", j.id],
    ["name", j.name],
    ["task", `${j.taskName} (id ${j.taskId})`],
    ["status", jobStatusName(j.status)],
    ["parameters", JSON.stringify(j.parameters ?? {})],
    ["priority", j.priority],
    ["depends on", j.dependsOn.join(", ")],
    ["attempts", `${j.attempts} of ${j.maxAttempts}`],
    ["worker", j.workerId],
    ["command", j.command],
    ...(schedulerJob ? schedulerJobFields(schedulerJob) : []),
    ["exit code", j.exitCode],
    ["message", j.message],
    ["created", formatTime(j.createTime)],
    ["started", formatTime(j.startTime)],
    ["finished", formatTime(j.finishTime)],
    ["lease until", formatTime(j.leaseExpireTime)],
    ["not before", formatTime(j.notBeforeTime)],
    ["idempotency key", j.idempotencyKey],
  ]);
  const head = attempts === "" ? fields : `${fields}\n${attempts}`;
  if (j.outputTail === "") {
    // The tail comes with the finish; until then the live output is a command away.
    return j.status === JobStatus.RUNNING || j.status === JobStatus.QUEUED ? `${head}\n--- output: whatsnext jobs logs ${j.id} -f ---` : head;
  }
  const tail = j.outputTail.endsWith("\n") ? j.outputTail.slice(0, -1) : j.outputTail;
  return `${head}\n--- output (last lines of stdout and stderr) ---\n${tail}`;
}

function waitingJobText(j: Job, attempts: string): string {
  const last = [j.exitCode !== undefined ? `exit code ${j.exitCode}` : "", j.message].filter((p) => p !== "").join(": ");
  const fields = renderFields([
    ["id", j.id],
    ["name", j.name],
    ["task", `${j.taskName} (id ${j.taskId})`],
    ["status", `${jobStatusName(j.status)} (waiting to run again)`],
    ["parameters", JSON.stringify(j.parameters ?? {})],
    ["priority", j.priority],
    ["depends on", j.dependsOn.join(", ")],
    ["attempts", `${j.attempts} of ${j.maxAttempts}`],
    ["worker", j.workerId],
    ["created", formatTime(j.createTime)],
    ["not before", formatTime(j.notBeforeTime)],
    ["idempotency key", j.idempotencyKey],
    ["last attempt", last],
    ["  command", j.command],
  ]);
  const head = attempts === "" ? fields : `${fields}\n${attempts}`;
  if (j.outputTail === "") return head;
  const tail = j.outputTail.endsWith("\n") ? j.outputTail.slice(0, -1) : j.outputTail;
  return `${head}\n--- output of the last attempt ---\n${tail}`;
}

/** "slurm job 1234 (cluster c)" and its output file: where a person looks next. */
function schedulerJobFields(s: SchedulerJob): Array<[string, string]> {
  return [
    [`${s.scheduler || "scheduler"} job`, s.cluster ? `${s.id} (cluster ${s.cluster})` : s.id],
    ["output file", s.outputPath],
  ];
}
