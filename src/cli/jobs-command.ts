/**
 * `whatsnext jobs add|add-batch|show|logs|retry|cancel|delete|deps|ls`: putting
 * work into the current project's queue and steering it.
 */
import type { Command } from "commander";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import type { JsonObject } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { BatchJobSpecSchema, JobDependencySchema } from "../../gen/whatsnext/v1/job_pb.js";
import { attemptsJson, attemptsText } from "./attempt-output.js";
import { batchProblems } from "./batch-check.js";
import { readBatchFile, type BatchItem } from "./batch-file.js";
import type { CliContext } from "./cli-context.js";
import { collectIds, collectParam, parseDuration, parseId, parseInt32, parsePositive } from "./flag-values.js";
import { jobStatusName, messageJson } from "./human-format.js";
import { printJob } from "./job-output.js";
import { registerJobLogsCommand } from "./job-logs.js";
import { ProgressBar } from "./progress-bar.js";
import { addListOptions, listJobsAction } from "./queue-command.js";
import { renderFields, renderTable } from "./table.js";

/** Jobs sent per BatchCreateJobs call: well under the server's 10000, so progress shows on big files. */
export const BATCH_CHUNK_SIZE = 1000;

/** Adds the `jobs` command group. */
export function registerJobsCommands(program: Command, ctx: CliContext): void {
  const jobs = program.command("jobs").alias("job").description("add, inspect and steer jobs of the current project");

  jobs
    .command("add")
    .description("add one job")
    .argument("<task>", "name of the task the job runs")
    .option("-n, --name <name>", "job name (default: the task name)")
    .option("--param <key=value>", "a parameter; the value is JSON if it parses (0.1, true, [1,2]) else text; repeatable", collectParam)
    .option("--priority <n>", "higher runs first", parseInt32("--priority"), 0)
    .option("--depends <ids>", "ids of jobs that must complete first, comma-separated; repeatable", collectIds("--depends"))
    .option("--max-attempts <n>", "attempts before the job stays failed (default 1)", parsePositive("--max-attempts"))
    .option("--idempotency-key <key>", "a second add with the same key returns the first job")
    .option("--expected-duration <duration>", "how long this job runs (90s, 10m, 2h), over its task's", parseDuration("--expected-duration"))
    .action(
      async (
        task: string,
        opts: { name?: string; param?: JsonObject; priority: number; depends?: bigint[]; maxAttempts?: number; idempotencyKey?: string; expectedDuration?: number },
      ) => {
        const project = await ctx.currentProject();
        const res = await ctx.client.jobs.createJob({
          projectId: project.id,
          task: { case: "taskName", value: task },
          name: opts.name ?? task,
          parameters: opts.param ?? {},
          priority: opts.priority,
          dependsOn: opts.depends ?? [],
          maxAttempts: opts.maxAttempts ?? 0,
          idempotencyKey: opts.idempotencyKey ?? "",
          expectedDuration: opts.expectedDuration === undefined ? undefined : create(DurationSchema, { seconds: BigInt(opts.expectedDuration) }),
        });
        printJob(ctx, res.job!, { existing: res.existing });
      },
    );

  jobs
    .command("add-batch")
    .description("add many jobs from a YAML or JSON file (a list of jobs and/or a grid; dependencies by name)")
    .argument("<file>", "the batch file (see the README for its form)")
    .option("--dry-run", "check the file against the server (tasks exist, parameters fill each command) and print the jobs without creating them")
    .option("--progress", "draw the progress bar even when stderr is not a terminal")
    .action(async (file: string, opts: { dryRun?: boolean; progress?: boolean }) => {
      const items = readBatchFile(file);
      if (opts.dryRun) {
        const problems = await batchProblems(ctx, items);
        if (problems.length > 0) throw new Error(`the server would refuse this file:\n  ${problems.join("\n  ")}`);
        ctx.print(
          items.map((i) => ({ ...i, dependsOnIds: i.dependsOnIds.map(String) })),
          () => `${items.length} jobs, not created (dry run)\n${renderTable(["NAME", "TASK", "PRI", "DEPENDS ON", "PARAMETERS"], items.map((i) => [i.name, i.task, i.priority, [...i.dependsOnNames, ...i.dependsOnIds].join(","), JSON.stringify(i.parameters)]))}`,
        );
        return;
      }
      const project = await ctx.currentProject();
      const ids = await createInChunks(ctx, project.id, items, opts.progress);
      ctx.print({ created: ids.length, jobIds: ids.map(String) }, () => `created ${ids.length} jobs in ${project.name} (ids ${ids[0]}…${ids[ids.length - 1]})`);
    });

  jobs
    .command("show")
    .description("show a job with every attempt's provenance (worker, host, times, command, accelerators, exit) and the tail of its output")
    .argument("<id>", "job id", parseId("job id"))
    .action(async (id: bigint) => {
      const [{ job }, { attempts }] = await Promise.all([ctx.client.jobs.getJob({ id }), ctx.client.jobs.listJobAttempts({ jobId: id })]);
      // The scheduler job of the latest attempt only: an earlier attempt's SLURM job is not this one's.
      const latest = attempts.at(-1);
      const schedulerJob = latest && latest.number === job!.runs ? latest.schedulerJob : undefined;
      printJob(ctx, job!, { attempts: attemptsJson(attempts) }, schedulerJob, attemptsText(attempts));
    });

  jobs
    .command("retry")
    .description("return a failed, blocked or cancelled job to the queue")
    .argument("<id>", "job id", parseId("job id"))
    .action(async (id: bigint) => {
      const res = await ctx.client.jobs.retryJob({ id });
      printJob(ctx, res.job!, { unblockedJobIds: res.unblockedJobIds.map(String) });
    });

  jobs
    .command("cancel")
    .description("cancel a job; a running job is stopped by its worker")
    .argument("<id>", "job id", parseId("job id"))
    .option("--reason <text>", "why, kept with the job", "")
    .action(async (id: bigint, opts: { reason: string }) => {
      const res = await ctx.client.jobs.cancelJob({ id, reason: opts.reason });
      printJob(ctx, res.job!, { blockedJobIds: res.blockedJobIds.map(String) });
    });

  jobs
    .command("delete")
    .alias("rm")
    .description("delete a job")
    .argument("<id>", "job id", parseId("job id"))
    .action(async (id: bigint) => {
      await ctx.client.jobs.deleteJob({ id });
      ctx.print({ deleted: id.toString() }, () => `deleted job ${id}`);
    });

  jobs
    .command("deps")
    .description("show a job's dependencies and their statuses")
    .argument("<id>", "job id", parseId("job id"))
    .action(async (id: bigint) => {
      const res = await ctx.client.jobs.getJobDependencies({ id });
      ctx.print(
        {
          dependencies: res.dependencies.map((d) => messageJson(JobDependencySchema, d)),
          allCompleted: res.allCompleted,
          hasFailed: res.hasFailed,
        },
        () =>
          `${renderTable(["ID", "NAME", "STATUS"], res.dependencies.map((d) => [d.id, d.name, jobStatusName(d.status)]), "no dependencies")}\n${renderFields([
            ["all completed", res.allCompleted ? "yes" : "no"],
            ["has failed", res.hasFailed ? "yes" : "no"],
          ])}`,
      );
    });

  registerJobLogsCommand(jobs, ctx);

  const ls = jobs.command("ls").alias("list").description("list jobs (same as `queue ls`)");
  addListOptions(ls).action(listJobsAction(ctx));
}

/**
 * Sends the items in chunks so big files show progress and stay under the
 * server's message limits. A dependency on an item of an earlier chunk is
 * sent as that item's new id. Each chunk is all or nothing; when a later
 * chunk fails, the error says how many jobs were already created.
 */
async function createInChunks(ctx: CliContext, projectId: bigint, items: BatchItem[], forceProgress?: boolean): Promise<bigint[]> {
  const ids: bigint[] = [];
  const idByName = new Map<string, bigint>();
  const bar = new ProgressBar(items.length, "jobs", forceProgress || (Boolean(process.stderr.isTTY) && items.length > BATCH_CHUNK_SIZE));
  bar.update(0);
  try {
    for (let start = 0; start < items.length; start += BATCH_CHUNK_SIZE) {
      const chunk = items.slice(start, start + BATCH_CHUNK_SIZE);
      const inChunk = new Set(chunk.map((i) => i.name).filter((n) => n !== ""));
      const specs: Array<MessageInitShape<typeof BatchJobSpecSchema>> = chunk.map((item): MessageInitShape<typeof BatchJobSpecSchema> => ({
        task: { case: "taskName", value: item.task },
        name: item.name || item.task,
        parameters: item.parameters,
        priority: item.priority,
        maxAttempts: item.maxAttempts,
        idempotencyKey: item.idempotencyKey,
        dependsOn: [...item.dependsOnIds, ...item.dependsOnNames.filter((n) => !inChunk.has(n)).map((n) => idByName.get(n)!)],
        dependsOnNames: item.dependsOnNames.filter((n) => inChunk.has(n)),
      }));
      let res;
      try {
        res = await ctx.client.jobs.batchCreateJobs({ projectId, jobs: specs });
      } catch (err) {
        if (start > 0 && err instanceof ConnectError) {
          throw new ConnectError(`${err.rawMessage} (jobs 1 to ${start} of the file were created, ids ${ids[0]}…${ids[ids.length - 1]}; nothing after)`, err.code);
        }
        throw err;
      }
      res.jobIds.forEach((id, i) => {
        ids.push(id);
        if (chunk[i]!.name !== "") idByName.set(chunk[i]!.name, id);
      });
      bar.update(ids.length);
    }
  } finally {
    bar.finish();
  }
  return ids;
}
