/**
 * `whatsnext workers ls|show|deactivate|delete` (alias `clients`): the
 * processes that run jobs.
 */
import type { Command } from "commander";
import { WorkerSchema, type Worker } from "../../gen/whatsnext/v1/worker_pb.js";
import type { CliContext } from "./cli-context.js";
import { formatTime, messageJson } from "./human-format.js";
import { renderFields, renderTable } from "./table.js";
import { allPages } from "../client/all-pages.js";

/** Adds the `workers` command group. */
export function registerWorkersCommands(program: Command, ctx: CliContext): void {
  const workers = program.command("workers").alias("clients").description("list, show, deactivate and delete workers");

  workers
    .command("ls")
    .alias("list")
    .description("list workers (active ones unless --all)")
    .option("-a, --all", "include inactive workers")
    .action(async (opts: { all?: boolean }) => {
      const all: Worker[] = await allPages(
        (pageToken, pageSize) => ctx.client.workers.listWorkers({ includeInactive: Boolean(opts.all), pageSize, pageToken }),
        (page) => page.workers,
      );
      ctx.print(
        all.map((w) => messageJson(WorkerSchema, w)),
        () =>
          renderTable(
            ["ID", "NAME", "ACTIVE", "CPU", "ACCEL", "JOBS", "LAST HEARTBEAT"],
            all.map((w) => [w.id, w.name, w.active ? "yes" : "no", w.availableCpu ?? "-", w.availableAccelerators ?? "-", w.jobIds.join(","), formatTime(w.lastHeartbeatTime)]),
            opts.all ? "no workers registered" : "no active workers (start one with: whatsnext worker)",
          ),
      );
    });

  workers
    .command("show")
    .description("show one worker")
    .argument("<id>", "worker id")
    .action(async (id: string) => {
      const { worker } = await ctx.client.workers.getWorker({ workerId: id });
      printWorker(ctx, worker!);
    });

  workers
    .command("deactivate")
    .description("mark a worker inactive and return its jobs to the queue")
    .argument("<id>", "worker id")
    .action(async (id: string) => {
      const res = await ctx.client.workers.deactivateWorker({ workerId: id });
      ctx.print({ worker: messageJson(WorkerSchema, res.worker!), releasedJobIds: res.releasedJobIds.map(String) }, () =>
        `deactivated worker ${id}${res.releasedJobIds.length ? `; jobs back in the queue: ${res.releasedJobIds.join(", ")}` : ""}`,
      );
    });

  workers
    .command("delete")
    .alias("rm")
    .description("delete a worker")
    .argument("<id>", "worker id")
    .action(async (id: string) => {
      await ctx.client.workers.deleteWorker({ workerId: id });
      ctx.print({ deleted: id }, () => `deleted worker ${id}`);
    });
}

function printWorker(ctx: CliContext, w: Worker): void {
  ctx.print(messageJson(WorkerSchema, w), () =>
    renderFields([
      ["id", w.id],
      ["name", w.name],
      ["entity", w.entity],
      ["description", w.description],
      ["active", w.active ? "yes" : "no"],
      ["cpu", w.availableCpu],
      ["accelerators", w.availableAccelerators],
      ["jobs", w.jobIds.join(", ")],
      ["last heartbeat", formatTime(w.lastHeartbeatTime)],
      ["registered", formatTime(w.createTime)],
    ]),
  );
}
