/**
 * `whatsnext sweep create|extend|ls|show|attempts|cancel|retry`: a set of
 * parameter combinations of one task, made from a file (sweep-file.ts) and
 * steered as one thing by its name.
 */
import type { Command } from "commander";
import { Code, ConnectError } from "@connectrpc/connect";
import { JobStatus } from "../../gen/whatsnext/v1/common_pb.js";
import { JobSchema } from "../../gen/whatsnext/v1/job_pb.js";
import { SweepSchema, type Sweep, type SweepRefSchema } from "../../gen/whatsnext/v1/sweep_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { allPages } from "../client/all-pages.js";
import { expandSweep } from "../queue/sweep-expansion.js";
import { attemptsJson, attemptsTable } from "./attempt-output.js";
import type { CliContext } from "./cli-context.js";
import { messageJson } from "./human-format.js";
import { readSweepFile, type SweepFile } from "./sweep-file.js";
import { sweepsTable, sweepText } from "./sweep-output.js";
import { renderTable } from "./table.js";

/** The file forms, for `sweep create --help`. */
const SWEEP_FILE_HELP = `
A sweep file (YAML or JSON) has task: and one of grid:, list: or random:
  name: lr-search             # default: the file's base name
  task: train
  parameters: {epochs: 10}    # merged under every set
  max_attempts: 2
  grid:                       # every combination
    lr: [0.1, 0.01]
    seed: [1, 2, 3]
  list:                       # or sets one by one
    - {lr: 0.1, seed: 1}
  random:                     # or seeded draws
    seed: 7
    count: 200
    parameters:
      lr: {log_uniform: [1.0e-5, 1.0e-1]}
      dropout: {uniform: [0, 0.5]}
      layers: {int_uniform: [2, 8]}
      optimizer: [adam, sgd]  # a choice
`;

/** Parameter sets a dry run lists for a person (all of them with --json). */
const DRY_RUN_SHOWN = 20;
/** ListJobAttempts calls `sweep attempts` keeps in flight. */
const ATTEMPT_READS_IN_FLIGHT = 8;

/** Adds the `sweep` command group. */
export function registerSweepCommands(program: Command, ctx: CliContext): void {
  const sweep = program.command("sweep").alias("sweeps").description("create, watch and steer sweeps: parameter sets of one task, run as jobs");

  sweep
    .command("create")
    .description("create a sweep from a YAML or JSON file (grid:, list: or random:; see the README)")
    .argument("<file>", "the sweep file; its name: key names the sweep (default: the file's base name)")
    .option("--name <name>", "the sweep's name, over the file's")
    .option("--dry-run", "check the file and the task on the server, list the parameter sets, create nothing")
    .addHelpText("after", SWEEP_FILE_HELP)
    .action(async (path: string, opts: { name?: string; dryRun?: boolean }) => {
      const file = withName(readSweepFile(path), opts.name);
      if (opts.dryRun) return dryRun(ctx, file);
      const project = await ctx.currentProject();
      const res = await ctx.client.sweeps.createSweep({
        projectId: project.id,
        task: { case: "taskName", value: file.task },
        name: file.name,
        spec: file.spec,
        priority: file.priority,
        maxAttempts: file.maxAttempts,
      });
      const s = res.sweep!;
      ctx.print({ sweep: sweepJson(s), existing: res.existing, createdJobs: res.createdJobs.toString() }, () =>
        res.existing
          ? `sweep ${s.name} (id ${s.id}) exists with this spec: nothing created (${s.counts?.total ?? 0n} jobs)`
          : `created sweep ${s.name} (id ${s.id}) in ${project.name}: ${res.createdJobs} jobs of task ${s.taskName}`,
      );
    });

  sweep
    .command("extend")
    .description("add the parameter sets of a file to its sweep; sets the sweep already has are skipped")
    .argument("<file>", "a sweep file naming the sweep (name:, or its base name) and its task")
    .option("--name <name>", "the sweep to extend, over the file's name")
    .action(async (path: string, opts: { name?: string }) => {
      const file = withName(readSweepFile(path), opts.name);
      const project = await ctx.currentProject();
      const ref = sweepRef(project.id, file.name);
      const { sweep: current } = await ctx.client.sweeps.getSweep({ sweep: ref });
      if (current!.taskName !== file.task) throw new ConnectError(`${path}: task ${file.task} is not the task of sweep ${file.name} (${current!.taskName})`, Code.FailedPrecondition);
      const res = await ctx.client.sweeps.extendSweep({ sweep: ref, spec: file.spec });
      const s = res.sweep!;
      ctx.print({ sweep: sweepJson(s), createdJobs: res.createdJobs.toString(), skippedDuplicates: res.skippedDuplicates.toString() }, () =>
        `extended sweep ${s.name}: ${res.createdJobs} jobs created, ${res.skippedDuplicates} parameter sets it already had skipped (${s.counts?.total ?? 0n} jobs now)`,
      );
    });

  sweep
    .command("ls")
    .alias("list")
    .description("list the sweeps of the current project with their progress")
    .action(async () => {
      const project = await ctx.currentProject();
      const sweeps = await allPages(
        (pageToken, pageSize) => ctx.client.sweeps.listSweeps({ projectId: project.id, pageToken, pageSize }),
        (page) => page.sweeps,
      );
      ctx.print(sweeps.map(sweepJson), () => sweepsTable(sweeps));
    });

  sweep
    .command("show")
    .description("a sweep's progress, its jobs per status, and its failed parameter sets")
    .argument("<name>", "the sweep's name")
    .action(async (name: string) => {
      const project = await ctx.currentProject();
      const { sweep: s } = await ctx.client.sweeps.getSweep({ sweep: sweepRef(project.id, name) });
      const failed = await allPages(
        (pageToken, pageSize) => ctx.client.jobs.listJobs({ projectId: project.id, sweepId: s!.id, statuses: [JobStatus.FAILED], pageToken, pageSize }),
        (page) => page.jobs,
      );
      ctx.print({ sweep: sweepJson(s!), failedJobs: failed.map((j) => messageJson(JobSchema, j)) }, () => sweepText(s!, failed));
    });

  sweep
    .command("attempts")
    .description("every attempt of every job of a sweep: worker, host, times, exit code, command (the provenance of its results)")
    .argument("<name>", "the sweep's name")
    .action(async (name: string) => {
      const project = await ctx.currentProject();
      const { sweep: s } = await ctx.client.sweeps.getSweep({ sweep: sweepRef(project.id, name) });
      const jobs = await allPages(
        (pageToken, pageSize) => ctx.client.jobs.listJobs({ projectId: project.id, sweepId: s!.id, pageToken, pageSize }),
        (page) => page.jobs,
      );
      const attempts = await inBatches(jobs, ATTEMPT_READS_IN_FLIGHT, async (j) => (await ctx.client.jobs.listJobAttempts({ jobId: j.id })).attempts);
      const all = attempts.flat();
      ctx.print(
        jobs.map((j, i) => ({ jobId: j.id.toString(), name: j.name, status: `JOB_STATUS_${JobStatus[j.status]}`, parameters: j.parameters, attempts: attemptsJson(attempts[i]!) })),
        () => attemptsTable(all),
      );
    });

  sweep
    .command("cancel")
    .description("cancel the sweep's jobs that have not ended; running ones are stopped by their workers")
    .argument("<name>", "the sweep's name")
    .option("--reason <text>", "why, kept with the cancelled jobs", "")
    .action(async (name: string, opts: { reason: string }) => {
      const project = await ctx.currentProject();
      const res = await ctx.client.sweeps.cancelSweep({ sweep: sweepRef(project.id, name), reason: opts.reason });
      ctx.print({ sweep: sweepJson(res.sweep!), cancelledJobIds: res.cancelledJobIds.map(String) }, () => `cancelled ${res.cancelledJobIds.length} jobs of sweep ${name}`);
    });

  sweep
    .command("retry")
    .description("return the sweep's failed, blocked and cancelled jobs to the queue")
    .argument("<name>", "the sweep's name")
    .action(async (name: string) => {
      const project = await ctx.currentProject();
      const res = await ctx.client.sweeps.retrySweep({ sweep: sweepRef(project.id, name) });
      ctx.print(
        { sweep: sweepJson(res.sweep!), retriedJobIds: res.retriedJobIds.map(String), skippedJobIds: res.skippedJobIds.map(String) },
        () =>
          `retried ${res.retriedJobIds.length} jobs of sweep ${name}${
            res.skippedJobIds.length ? `; ${res.skippedJobIds.length} left as they are (a dependency still blocks them, or their worker has not stopped them yet): ${res.skippedJobIds.join(", ")}` : ""
          }`,
      );
    });
}

function withName(file: SweepFile, name: string | undefined): SweepFile {
  return name === undefined ? file : { ...file, name };
}

function sweepRef(projectId: bigint, name: string): MessageInitShape<typeof SweepRefSchema> {
  return { sweep: { case: "name", value: name }, projectId };
}

function sweepJson(s: Sweep): unknown {
  return messageJson(SweepSchema, s);
}

/**
 * Checks what the server would say without changing anything: the task
 * exists, and whether a sweep of that name does. Exits 1 when the task is
 * unknown. The parameter sets are expanded here by the server's own code, so
 * they are the jobs `create` would make.
 */
async function dryRun(ctx: CliContext, file: SweepFile): Promise<void> {
  const project = await ctx.currentProject();
  const taskKnown = await ctx.client.tasks.getTask({ projectId: project.id, name: file.task }).then(
    () => true,
    (err: unknown) => {
      if (err instanceof ConnectError && err.code === Code.NotFound) return false;
      throw err;
    },
  );
  const existing = await ctx.client.sweeps.getSweep({ sweep: sweepRef(project.id, file.name) }).then(
    (r) => r.sweep,
    (err: unknown) => {
      if (err instanceof ConnectError && err.code === Code.NotFound) return undefined;
      throw err;
    },
  );
  const sets = expandSweep(file.domainSpec);
  const problems: string[] = [];
  if (!taskKnown) problems.push(`unknown task ${file.task} in project ${project.name} (create it with \`whatsnext tasks create ${file.task} --command …\`)`);
  ctx.print(
    {
      dryRun: true,
      name: file.name,
      task: file.task,
      taskExists: taskKnown,
      sweepExists: existing !== undefined,
      jobs: sets.length,
      problems,
      parameterSets: sets.map((s) => s.parameters),
    },
    () => {
      const shown = sets.slice(0, DRY_RUN_SHOWN);
      const table = renderTable(["#", "JOB NAME", "PARAMETERS"], shown.map((s, i) => [i + 1, `${file.task}-${s.label}`.slice(0, 256), JSON.stringify(s.parameters)]));
      const more = sets.length > shown.length ? `\n… and ${sets.length - shown.length} more` : "";
      const exists = existing ? `\nsweep ${file.name} exists (${existing.counts?.total ?? 0n} jobs): create returns it if the spec is the same and fails otherwise; \`sweep extend\` adds new sets` : "";
      const verdict = problems.length ? problems.map((p) => `error: ${p}`).join("\n") : "ok: nothing created (dry run)";
      return `sweep ${file.name}: ${sets.length} jobs of task ${file.task}${exists}\n${table}${more}\n${verdict}`;
    },
  );
  if (problems.length) process.exitCode = 1;
}

/** Maps `items` through `fn`, `width` at a time, keeping the order. */
async function inBatches<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
