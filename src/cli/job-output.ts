/**
 * How a job reads for a person (one table row, or every field with the
 * output tail last, where a failure's stderr is) and for a script (proto JSON).
 */
import { JobSchema, SchedulerJobSchema, type Job, type SchedulerJob } from "../../gen/whatsnext/v1/job_pb.js";
import type { CliContext } from "./cli-context.js";
import { formatTime, jobStatusName, messageJson } from "./human-format.js";
import { renderFields, renderTable } from "./table.js";

/**
 * Prints one job: all fields, then its output tail. schedulerJob: the one of
 * the job's latest attempt (a SLURM job and its output file), when it has one.
 */
export function printJob(ctx: CliContext, job: Job, extra: Record<string, unknown> = {}, schedulerJob?: SchedulerJob): void {
  const json = schedulerJob ? { ...extra, schedulerJob: messageJson(SchedulerJobSchema, schedulerJob) } : extra;
  ctx.print({ ...(messageJson(JobSchema, job) as object), ...json }, () => jobText(job, schedulerJob));
}

/** The columns of a job listing. */
export function jobsTable(jobs: Job[], empty: string): string {
  return renderTable(
    ["ID", "NAME", "TASK", "STATUS", "PRI", "TRY", "WORKER", "PARAMETERS"],
    jobs.map((j) => [j.id, j.name, j.taskName, jobStatusName(j.status), j.priority, `${j.attempts}/${j.maxAttempts}`, j.workerId, JSON.stringify(j.parameters ?? {})]),
    empty,
  );
}

/** Every field of a job for a person (with its latest attempt's scheduler job, when given). */
export function jobText(j: Job, schedulerJob?: SchedulerJob): string {
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
  if (j.outputTail === "") return fields;
  const tail = j.outputTail.endsWith("\n") ? j.outputTail.slice(0, -1) : j.outputTail;
  return `${fields}\n--- output (last lines of stdout and stderr) ---\n${tail}`;
}

/** "slurm job 1234 (cluster c)" and its output file: where a person looks next. */
function schedulerJobFields(s: SchedulerJob): Array<[string, string]> {
  return [
    [`${s.scheduler || "scheduler"} job`, s.cluster ? `${s.id} (cluster ${s.cluster})` : s.id],
    ["output file", s.outputPath],
  ];
}
