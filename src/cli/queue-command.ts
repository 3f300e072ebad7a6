/**
 * `whatsnext queue ls|stats|clear`: the current project's queue as a whole;
 * `queue ls --follow` prints every change as it happens.
 */
import type { Command } from "commander";
import { JobStatus } from "../../gen/whatsnext/v1/common_pb.js";
import { GetQueueStatsResponseSchema, JobSchema, type Job } from "../../gen/whatsnext/v1/job_pb.js";
import { JobEventType } from "../../gen/whatsnext/v1/job_pb.js";
import type { CliContext } from "./cli-context.js";
import { confirmDestructive } from "./confirm.js";
import { parsePositive } from "./flag-values.js";
import { followJobs } from "./follow.js";
import { jobStatusChoices, jobStatusName, messageJson, parseJobStatus } from "./human-format.js";
import { jobsTable } from "./job-output.js";
import { renderFields } from "./table.js";
import { allPages } from "../client/all-pages.js";

/** Options of a job listing, shared by `queue ls` and `jobs ls`. */
export interface ListOptions {
  status?: JobStatus[];
  task?: string;
  limit: number;
  follow?: boolean;
}

/** Adds the listing flags to `command`. */
export function addListOptions(command: Command): Command {
  return command
    .option("-s, --status <statuses>", `only these statuses, comma-separated (${jobStatusChoices().join(", ")}); repeatable`, collectStatuses)
    .option("-t, --task <name>", "only jobs of this task")
    .option("-l, --limit <n>", "at most this many jobs", parsePositive("--limit"), 100)
    .option("-f, --follow", "after the listing, print each change to the project's jobs as it happens (Ctrl-C to stop)");
}

/** The action of `queue ls` / `jobs ls`. */
export function listJobsAction(ctx: CliContext): (opts: ListOptions) => Promise<void> {
  return async (opts) => {
    const project = await ctx.currentProject();
    const statuses = opts.status ?? [];
    // One more than the limit is read, to tell whether the listing was cut.
    const read = (): Promise<Job[]> =>
      allPages(
        (pageToken, pageSize) => ctx.client.jobs.listJobs({ projectId: project.id, statuses, taskName: opts.task ?? "", pageSize, pageToken }),
        (page) => page.jobs,
        opts.limit + 1,
      );
    const list = async (): Promise<Job[]> => (await read()).slice(0, opts.limit);
    if (!opts.follow) {
      const all = await read();
      const jobs = all.slice(0, opts.limit);
      const names = await workerNames(ctx, jobs);
      ctx.print(
        jobs.map((j) => messageJson(JobSchema, j)),
        () => jobsTable(jobs, statuses.length || opts.task ? "no jobs match" : `no jobs in ${project.name}: whatsnext jobs add TASK`, names),
      );
      if (all.length > opts.limit) {
        process.stderr.write(
          `showing the first ${opts.limit} jobs; more exist. Show more with --limit N (e.g. --limit ${Math.max(1000, opts.limit * 10)}), or narrow with --status and --task\n`,
        );
      }
      return;
    }
    const names = await workerNames(ctx, []);
    const matches = (job: Job | undefined) => Boolean(job) && (statuses.length === 0 || statuses.includes(job!.status)) && (!opts.task || job!.taskName === opts.task);
    await followJobs(
      ctx,
      project.id,
      (event) => {
        if (event.type !== JobEventType.DELETED && !matches(event.job)) return false;
        const type = (JobEventType[event.type] ?? "").toLowerCase();
        if (ctx.json) process.stdout.write(`${JSON.stringify({ type, job: messageJson(JobSchema, event.job!) })}\n`);
        else {
          const j = event.job!;
          const what = event.type === JobEventType.DELETED ? "deleted" : jobStatusName(j.status);
          const worker = j.workerId ? (names.get(j.workerId) ?? j.workerId) : "";
          process.stdout.write(`${new Date().toTimeString().slice(0, 8)}  job ${j.id} ${j.name}: ${what}${worker && event.type !== JobEventType.DELETED ? ` (worker ${worker})` : ""}${j.message && event.type !== JobEventType.DELETED ? ` ${j.message}` : ""}\n`);
        }
        return false;
      },
      async () => {
        const jobs = await list();
        if (ctx.json) for (const j of jobs) process.stdout.write(`${JSON.stringify({ type: "existing", job: messageJson(JobSchema, j) })}\n`);
        else process.stdout.write(`${jobsTable(jobs, "no jobs yet", names)}\n--- following changes (Ctrl-C to stop) ---\n`);
        return false;
      },
    );
  };
}

/** Adds the `queue` command group. */
export function registerQueueCommands(program: Command, ctx: CliContext): void {
  const queue = program.command("queue").description("list, count and clear the current project's queue");

  addListOptions(queue.command("ls").alias("list").description("list jobs, newest last, with filters")).action(listJobsAction(ctx));

  queue
    .command("stats")
    .description("count the project's jobs per status")
    .action(async () => {
      const project = await ctx.currentProject();
      const stats = await ctx.client.jobs.getQueueStats({ projectId: project.id });
      ctx.print(messageJson(GetQueueStatsResponseSchema, stats), () =>
        renderFields([
          ["pending", stats.pending],
          ["queued", stats.queued],
          ["running", stats.running],
          ["completed", stats.completed],
          ["failed", stats.failed],
          ["blocked", stats.blocked],
          ["cancelled", stats.cancelled],
          ["total", stats.total],
          ["workers", `${stats.activeWorkers} active, ${stats.registeredWorkers} registered on the server; ${stats.projectWorkers} on this project`],
        ]),
      );
    });

  queue
    .command("clear")
    .description("delete the project's pending jobs")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (opts: { yes?: boolean }) => {
      const project = await ctx.currentProject();
      await confirmDestructive(`Delete every pending job of ${project.name}?`, opts.yes);
      const { deleted } = await ctx.client.jobs.clearQueue({ projectId: project.id });
      ctx.print({ deleted: deleted.toString() }, () => `deleted ${deleted} pending jobs from ${project.name}`);
    });
}

function collectStatuses(text: string, previous: JobStatus[] | undefined): JobStatus[] {
  return [...(previous ?? []), ...text.split(",").filter((s) => s.trim() !== "").map(parseJobStatus)];
}

/**
 * Worker ids to the names people gave them (`--name`), for listings; a job
 * whose worker is gone shows its id. With `jobs` given and none held by a
 * worker, nothing is asked.
 */
export async function workerNames(ctx: CliContext, jobs: readonly Job[] | []): Promise<Map<string, string>> {
  if (jobs.length > 0 && !jobs.some((j) => j.workerId)) return new Map();
  try {
    const workers = await allPages(
      (pageToken, pageSize) => ctx.client.workers.listWorkers({ includeInactive: true, pageSize, pageToken }),
      (page) => page.workers,
    );
    // A name two workers share would be ambiguous: those keep their ids.
    const count = new Map<string, number>();
    for (const w of workers) count.set(w.name, (count.get(w.name) ?? 0) + 1);
    return new Map(workers.filter((w) => w.name !== "").map((w) => [w.id, count.get(w.name) === 1 ? w.name : `${w.name} (${w.id})`]));
  } catch {
    // A key without the right to list workers still lists jobs.
    return new Map();
  }
}
