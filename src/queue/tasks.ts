import type { SqlExecutor } from "../db/executor.js";
import { deleteTask as deleteTaskRow } from "../db/statements/tasks/delete-task.js";
import { insertTask, type TaskFields } from "../db/statements/tasks/insert-task.js";
import { listTasks as listTaskRows } from "../db/statements/tasks/list-tasks.js";
import { selectTask } from "../db/statements/tasks/select-task.js";
import { updateTask as updateTaskRow } from "../db/statements/tasks/update-task.js";
import type { Task } from "../domain/catalog.js";
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { selectJobsMissingParameters } from "../db/statements/jobs/select-jobs-missing-parameters.js";
import { parameterPlaceholders } from "./template-coverage.js";
import { getProject } from "./projects.js";

export type TaskInput = TaskFields;

const taken = (name: string, projectId: number) => new AlreadyExistsError("task", `${JSON.stringify(name)} in project ${projectId}`);

/** Creates a task; NotFound for a missing project, AlreadyExists for a name taken in it. */
export async function createTask(sql: SqlExecutor, projectId: number, input: TaskInput): Promise<Task> {
  const task = await insertTask(sql, projectId, input);
  if (task) return task;
  await getProject(sql, { id: projectId });
  throw taken(input.name, projectId);
}

/** A task by id, or by project and name. */
export async function getTask(sql: SqlExecutor, ref: { id: number } | { projectId: number; name: string }): Promise<Task> {
  const task = await selectTask(sql, ref);
  if (!task) throw new NotFoundError("task", "id" in ref ? ref.id : `${ref.name} in project ${ref.projectId}`);
  return task;
}

/** A project's tasks in id order after the cursor; limit + 1 rows so the caller can tell if more follow. */
export async function listTasks(sql: SqlExecutor, opts: { projectId: number; afterId: number; limit: number }): Promise<Task[]> {
  await getProject(sql, { id: opts.projectId });
  return listTaskRows(sql, { ...opts, limit: opts.limit + 1 });
}

/** Updates a task; new requirements are copied onto its PENDING and BLOCKED jobs in the same statement. */
export async function updateTask(sql: SqlExecutor, id: number, changes: Partial<TaskInput>): Promise<Task> {
  if (changes.commandTemplate !== undefined) await checkWaitingJobsCover(sql, id, changes.commandTemplate);
  let task: Task | null;
  try {
    task = await updateTaskRow(sql, id, {
      name: changes.name ?? null,
      commandTemplate: changes.commandTemplate ?? null,
      requiredCpu: changes.requiredCpu ?? null,
      requiredAccelerators: changes.requiredAccelerators ?? null,
      expectedSeconds: changes.expectedSeconds === undefined ? null : (changes.expectedSeconds ?? 0),
    });
  } catch (err) {
    if (err instanceof AlreadyExistsError && changes.name !== undefined) {
      const current = await selectTask(sql, { id });
      throw taken(changes.name, current?.projectId ?? 0);
    }
    throw err;
  }
  if (!task) throw new NotFoundError("task", id);
  return task;
}

/** Deletes the task and its jobs. */
export async function deleteTask(sql: SqlExecutor, id: number): Promise<Task> {
  const task = await deleteTaskRow(sql, id);
  if (!task) throw new NotFoundError("task", id);
  return task;
}

/** A new command its PENDING or BLOCKED jobs cannot fill is refused, naming the parameter and the jobs. */
async function checkWaitingJobsCover(sql: SqlExecutor, taskId: number, template: string): Promise<void> {
  const lacking = await selectJobsMissingParameters(sql, taskId, parameterPlaceholders(template));
  if (lacking.length === 0) return;
  const first = lacking[0]!;
  throw new InvalidArgumentError(
    "command_template",
    `uses {${first.name}}, but ${first.jobs} waiting job${first.jobs === 1 ? "" : "s"} of the task (job ${first.firstId}${first.jobs > 1 ? " and others" : ""}) ` +
      `ha${first.jobs === 1 ? "s" : "ve"} no parameter ${JSON.stringify(first.name)}` +
      (lacking.length > 1 ? `; also missing: ${lacking.slice(1).map((l) => JSON.stringify(l.name)).join(", ")}` : "") +
      "; give the jobs that parameter, or cancel them first",
  );
}
