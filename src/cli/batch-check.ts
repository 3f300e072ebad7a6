/**
 * `jobs add-batch --dry-run` asks the server what the real submit would meet:
 * every task the file names must exist in the project, and every job's
 * parameters must fill the placeholders of its task's command. Problems are
 * found here, before anything is created, not by the submit.
 */
import type { Task } from "../../gen/whatsnext/v1/task_pb.js";
import { allPages } from "../client/all-pages.js";
import { missingParameters } from "../queue/template-coverage.js";
import type { BatchItem } from "./batch-file.js";
import type { CliContext } from "./cli-context.js";

/** Most problems listed; the rest are counted. */
const SHOWN_PROBLEMS = 10;

/** The problems the server would report for these items in the current project, one sentence each (empty when none). */
export async function batchProblems(ctx: CliContext, items: readonly BatchItem[]): Promise<string[]> {
  const project = await ctx.currentProject();
  const tasks: Task[] = await allPages(
    (pageToken, pageSize) => ctx.client.tasks.listTasks({ projectId: project.id, pageSize, pageToken }),
    (page) => page.tasks,
  );
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const problems: string[] = [];
  const unknown = new Map<string, number>();
  items.forEach((item, i) => {
    const label = `job ${i + 1}${item.name ? ` (${item.name})` : ""}`;
    const task = byName.get(item.task);
    if (!task) {
      unknown.set(item.task, (unknown.get(item.task) ?? 0) + 1);
      return;
    }
    const missing = missingParameters(task, item.parameters);
    if (missing.length > 0) {
      problems.push(
        `${label}: task ${task.name} runs ${JSON.stringify(task.commandTemplate)}, but the job has no parameter ${missing.map((n) => JSON.stringify(n)).join(", ")} ` +
          `(its parameters: ${Object.keys(item.parameters).join(", ") || "none"})`,
      );
    }
  });
  const known = tasks.length ? tasks.map((t) => t.name).join(", ") : "none yet";
  const unknownLines = [...unknown].map(([name, n]) => `task ${JSON.stringify(name)} (used by ${n} job${n === 1 ? "" : "s"}) is not in project ${project.name} (its tasks: ${known})`);
  const all = [...unknownLines, ...problems];
  if (all.length > SHOWN_PROBLEMS) return [...all.slice(0, SHOWN_PROBLEMS), `… and ${all.length - SHOWN_PROBLEMS} more`];
  return all;
}
