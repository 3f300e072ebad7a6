/**
 * `whatsnext tasks ls|show|create|update|delete`: what a project's jobs run and the
 * resources they need.
 */
import type { Command } from "commander";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { formatDuration } from "../duration.js";
import { TaskSchema, type Task } from "../../gen/whatsnext/v1/task_pb.js";
import type { CliContext } from "./cli-context.js";
import { confirmDestructive } from "./confirm.js";
import { parseCount, parseDuration } from "./flag-values.js";
import { formatTime, messageJson } from "./human-format.js";
import { renderFields, renderTable } from "./table.js";
import { UsageError } from "./usage-error.js";
import { allPages } from "../client/all-pages.js";

/** Adds the `tasks` command group; every command works on the current project. */
export function registerTasksCommands(program: Command, ctx: CliContext): void {
  const tasks = program.command("tasks").alias("task").description("list, show, create, update and delete the current project's tasks");

  tasks
    .command("ls")
    .alias("list")
    .description("list the project's tasks")
    .action(async () => {
      const project = await ctx.currentProject();
      const all: Task[] = await allPages(
        (pageToken, pageSize) => ctx.client.tasks.listTasks({ projectId: project.id, pageSize, pageToken }),
        (page) => page.tasks,
      );
      ctx.print(
        all.map((t) => messageJson(TaskSchema, t)),
        () =>
          renderTable(
            ["ID", "NAME", "CPU", "ACCEL", "COMMAND"],
            all.map((t) => [t.id, t.name, t.requiredCpu, t.requiredAccelerators, t.commandTemplate]),
            `no tasks in ${project.name} yet: whatsnext tasks create NAME --command '…'`,
          ),
      );
    });

  tasks
    .command("show")
    .description("show one task")
    .argument("<task>", "task name or id")
    .action(async (ref: string) => printTask(ctx, await findTask(ctx, ref)));

  tasks
    .command("create")
    .description("create a task: a command template with {param} placeholders and its resource needs")
    .argument("<name>", "1 to 128 characters, unique in the project")
    .requiredOption("--command <template>", "command run for each job, e.g. 'python train.py --lr {lr}' (no shell)")
    .option("--cpu <n>", "CPUs a job needs", parseCount("--cpu"), 0)
    .option("--accelerators <n>", "accelerators (GPUs) a job needs", parseCount("--accelerators"), 0)
    .option("--expected-duration <duration>", "how long a job runs (90s, 10m, 2h): workers with a --walltime take only jobs that fit", parseDuration("--expected-duration"))
    .action(async (name: string, opts: { command: string; cpu: number; accelerators: number; expectedDuration?: number }) => {
      const project = await ctx.currentProject();
      const { task } = await ctx.client.tasks.createTask({
        projectId: project.id,
        name,
        commandTemplate: opts.command,
        requiredCpu: opts.cpu,
        requiredAccelerators: opts.accelerators,
        expectedDuration: opts.expectedDuration === undefined ? undefined : create(DurationSchema, { seconds: BigInt(opts.expectedDuration) }),
      });
      printTask(ctx, task!);
    });

  tasks
    .command("update")
    .description("change a task's name, command or resources; pending jobs run the new command")
    .argument("<task>", "task name or id")
    .option("--name <name>", "a new name")
    .option("--command <template>", "a new command template; pending jobs must still have a value for every {placeholder}")
    .option("--cpu <n>", "CPUs a job needs", parseCount("--cpu"))
    .option("--accelerators <n>", "accelerators (GPUs) a job needs", parseCount("--accelerators"))
    .action(async (ref: string, opts: { name?: string; command?: string; cpu?: number; accelerators?: number }) => {
      if (opts.name === undefined && opts.command === undefined && opts.cpu === undefined && opts.accelerators === undefined) {
        throw new UsageError("nothing to update: pass --name, --command, --cpu or --accelerators");
      }
      const current = await findTask(ctx, ref);
      const { task } = await ctx.client.tasks.updateTask({
        id: current.id,
        name: opts.name,
        commandTemplate: opts.command,
        requiredCpu: opts.cpu,
        requiredAccelerators: opts.accelerators,
      });
      printTask(ctx, task!);
    });

  tasks
    .command("delete")
    .alias("rm")
    .description("delete a task and all its jobs")
    .argument("<task>", "task name or id")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (ref: string, opts: { yes?: boolean }) => {
      const task = await findTask(ctx, ref);
      await confirmDestructive(`Delete task "${task.name}" and all its jobs?`, opts.yes);
      await ctx.client.tasks.deleteTask({ id: task.id });
      ctx.print({ deleted: messageJson(TaskSchema, task) }, () => `deleted task ${task.name} (id ${task.id})`);
    });
}

/** A task of the current project by name, or by id when the text is a number no task is named. */
export async function findTask(ctx: CliContext, ref: string): Promise<Task> {
  const project = await ctx.currentProject();
  if (/^[1-9][0-9]*$/.test(ref)) {
    try {
      const byName = await ctx.client.tasks.getTask({ projectId: project.id, name: ref });
      if (byName.task) return byName.task;
    } catch {
      // not a name: try the id
    }
    const { task } = await ctx.client.tasks.getTask({ id: BigInt(ref) });
    return task!;
  }
  const { task } = await ctx.client.tasks.getTask({ projectId: project.id, name: ref });
  return task!;
}

function printTask(ctx: CliContext, t: Task): void {
  ctx.print(messageJson(TaskSchema, t), () =>
    renderFields([
      ["id", t.id],
      ["name", t.name],
      ["project id", t.projectId],
      ["command", t.commandTemplate],
      ["cpu", t.requiredCpu],
      ["accelerators", t.requiredAccelerators],
      ["expected duration", t.expectedDuration ? formatDuration(Number(t.expectedDuration.seconds)) : ""],
      ["created", formatTime(t.createTime)],
    ]),
  );
}
