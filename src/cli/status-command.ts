/**
 * `whatsnext status [--follow]`: the server, the project, its job counts per
 * status and its workers; with --follow, a new line whenever they change.
 */
import type { Command } from "commander";
import { GetQueueStatsResponseSchema, type GetQueueStatsResponse } from "../../gen/whatsnext/v1/job_pb.js";
import { ProjectSchema, type Project } from "../../gen/whatsnext/v1/project_pb.js";
import type { CliContext } from "./cli-context.js";
import { followJobs } from "./follow.js";
import { DrainRate, endedOf, progressLine, summaryText } from "./follow-progress.js";
import { JobStatus } from "../../gen/whatsnext/v1/common_pb.js";
import { messageJson } from "./human-format.js";
import { renderFields } from "./table.js";

/** The statuses in the order people read a queue: waiting, moving, done. */
const STATUS_FIELDS = ["pending", "queued", "running", "completed", "failed", "blocked", "cancelled"] as const;

/** How often --follow re-reads the counts besides reacting to changes (workers go inactive without a job event). */
const FOLLOW_REFRESH_MS = 5_000;

/** Adds `status`. */
export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command("status")
    .description("show the server, the project's job counts per status and its workers")
    .addHelpText(
      "after",
      "\nStatuses: pending (waiting for a worker), queued (claimed by a worker, not started yet), running, completed, failed,\n" +
        "blocked (a dependency failed or was cancelled), cancelled.",
    )
    .option("-f, --follow", "keep watching: on a terminal a progress bar with rate and ETA, else a line whenever the counts change; a summary at the end (Ctrl-C to stop)")
    .option("--until-done", "with --follow: stop once no job is pending, queued or running")
    .action(async (opts: { follow?: boolean; untilDone?: boolean }) => {
      const project = await ctx.currentProject();
      const stats = await ctx.client.jobs.getQueueStats({ projectId: project.id });
      if (!opts.follow) {
        ctx.print(statusJson(ctx, project, stats), () => statusText(ctx, project, stats));
        return;
      }
      await followStatus(ctx, project, Boolean(opts.untilDone));
    });
}

/** True when nothing is left to run: every job ended (or none exists). */
export function queueIsIdle(stats: GetQueueStatsResponse): boolean {
  return stats.pending === 0n && stats.queued === 0n && stats.running === 0n;
}

async function followStatus(ctx: CliContext, project: Project, untilDone: boolean): Promise<void> {
  // On a terminal one line is redrawn; a pipe or a log gets a plain line per change.
  const terminal = !ctx.json && Boolean(process.stdout.isTTY);
  const rate = new DrainRate();
  let lastStats: GetQueueStatsResponse | undefined;
  let lastLine = "";
  let refreshing: Promise<boolean> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  // One refresh at a time; changes arriving meanwhile cause one more.
  const refresh = (): Promise<boolean> => {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      let idle = false;
      do {
        again = false;
        const stats = await ctx.client.jobs.getQueueStats({ projectId: project.id });
        lastStats = stats;
        if (terminal) {
          const { ended, total } = endedOf(stats);
          process.stdout.write(`\r\x1b[2K${progressLine(stats, rate.measure(ended, total))}`);
          idle = untilDone && queueIsIdle(stats);
          continue;
        }
        const line = ctx.json ? JSON.stringify({ time: new Date().toISOString(), ...statusJson(ctx, project, stats) }) : followLine(stats);
        const comparable = ctx.json ? JSON.stringify(messageJson(GetQueueStatsResponseSchema, stats)) : line;
        if (comparable !== lastLine) {
          lastLine = comparable;
          process.stdout.write(ctx.json ? `${line}\n` : `${timeOfDay()}  ${line}\n`);
        }
        idle = untilDone && queueIsIdle(stats);
      } while (again && !idle);
      refreshing = undefined;
      if (idle) done();
      return idle;
    })();
    return refreshing;
  };
  if (!ctx.json) process.stdout.write(`project ${project.name} on ${ctx.settings.server} (Ctrl-C to stop)\n`);
  timer = setInterval(() => void refresh().catch(() => undefined), FOLLOW_REFRESH_MS);
  try {
    await Promise.race([
      finished,
      followJobs(
        ctx,
        project.id,
        () => refresh(),
        () => refresh(),
      ),
    ]);
  } finally {
    clearInterval(timer);
    timer = undefined;
    if (terminal) process.stdout.write("\n");
  }
  if (!ctx.json) await printSummary(ctx, project, lastStats, rate.elapsedSeconds());
}

/** Failed jobs named in the summary. */
const SUMMARY_FAILURES = 10;

async function printSummary(ctx: CliContext, project: Project, seen: GetQueueStatsResponse | undefined, wallSeconds: number): Promise<void> {
  const stats = (await ctx.client.jobs.getQueueStats({ projectId: project.id }).catch(() => undefined)) ?? seen;
  if (!stats) return;
  const failed = stats.failed > 0n ? (await ctx.client.jobs.listJobs({ projectId: project.id, statuses: [JobStatus.FAILED], pageSize: SUMMARY_FAILURES }).catch(() => ({ jobs: [] }))).jobs : [];
  process.stdout.write(`${summaryText(stats, wallSeconds, failed, SUMMARY_FAILURES)}\n`);
}

function statusJson(ctx: CliContext, project: Project, stats: GetQueueStatsResponse): Record<string, unknown> {
  return {
    server: ctx.settings.server,
    project: messageJson(ProjectSchema, project),
    stats: messageJson(GetQueueStatsResponseSchema, stats),
  };
}

function statusText(ctx: CliContext, project: Project, stats: GetQueueStatsResponse): string {
  return renderFields([
    ["server", ctx.settings.server],
    ["project", `${project.name} (id ${project.id})`],
    ["jobs", `${stats.total} total`],
    ...STATUS_FIELDS.map((s): [string, string] => [`  ${s}`, String(stats[s])]),
    ["workers", `${stats.activeWorkers} active, ${stats.registeredWorkers} registered on the server; ${stats.projectWorkers} on this project`],
  ]);
}

function followLine(stats: GetQueueStatsResponse): string {
  const counts = STATUS_FIELDS.map((s) => `${s} ${stats[s]}`).join("  ");
  const { ended, total } = endedOf(stats);
  return `${counts}  | total ${stats.total}, ${total === 0 ? 100 : Math.floor((ended / total) * 100)}% ended  | workers here ${stats.projectWorkers}, on the server ${stats.activeWorkers}/${stats.registeredWorkers}`;
}

function timeOfDay(): string {
  return new Date().toTimeString().slice(0, 8);
}
