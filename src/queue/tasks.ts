import type { EntityManager } from "@mikro-orm/postgresql";
import { TaskSchema, type Task } from "../db/entities/index.js";
import { AlreadyExistsError, NotFoundError } from "./errors.js";
import { getProject } from "./projects.js";

export interface TaskInput {
  name: string;
  commandTemplate: string;
  requiredCpu: number;
  requiredAccelerators: number;
}

export async function createTask(em: EntityManager, projectId: number, input: TaskInput): Promise<Task> {
  await getProject(em, { id: projectId });
  if (await em.findOne(TaskSchema, { projectId, name: input.name })) {
    throw new AlreadyExistsError("task", `${JSON.stringify(input.name)} in project ${projectId}`);
  }
  const task = em.create(TaskSchema, { projectId, ...input } as Task);
  await em.persistAndFlush(task);
  return task;
}

/** A task by id, or by project and name. */
export async function getTask(em: EntityManager, ref: { id: number } | { projectId: number; name: string }): Promise<Task> {
  const task = await em.findOne(TaskSchema, "id" in ref ? { id: ref.id } : { projectId: ref.projectId, name: ref.name });
  if (!task) throw new NotFoundError("task", "id" in ref ? ref.id : `${ref.name} in project ${ref.projectId}`);
  return task;
}

export async function listTasks(em: EntityManager, opts: { projectId: number; afterId: number; limit: number }): Promise<Task[]> {
  await getProject(em, { id: opts.projectId });
  return em.find(TaskSchema, { projectId: opts.projectId, id: { $gt: opts.afterId } }, { orderBy: { id: "asc" }, limit: opts.limit + 1 });
}

/**
 * Updates a task. New requirements are copied onto its PENDING jobs, which
 * carry them so that a claim needs no join.
 */
export async function updateTask(em: EntityManager, id: number, changes: Partial<TaskInput>): Promise<Task> {
  return em.transactional(async (tx) => {
    const task = await getTask(tx, { id });
    if (changes.name !== undefined && changes.name !== task.name) {
      if (await tx.findOne(TaskSchema, { projectId: task.projectId, name: changes.name })) {
        throw new AlreadyExistsError("task", `${JSON.stringify(changes.name)} in project ${task.projectId}`);
      }
      task.name = changes.name;
    }
    if (changes.commandTemplate !== undefined) task.commandTemplate = changes.commandTemplate;
    const requirementsChanged =
      (changes.requiredCpu !== undefined && changes.requiredCpu !== task.requiredCpu) ||
      (changes.requiredAccelerators !== undefined && changes.requiredAccelerators !== task.requiredAccelerators);
    if (changes.requiredCpu !== undefined) task.requiredCpu = changes.requiredCpu;
    if (changes.requiredAccelerators !== undefined) task.requiredAccelerators = changes.requiredAccelerators;
    await tx.flush();
    if (requirementsChanged) {
      await tx.execute(
        `update job set required_cpu = ?, required_accelerators = ?, updated_at = now() where task_id = ? and status in ('pending', 'blocked')`,
        [task.requiredCpu, task.requiredAccelerators, task.id],
      );
    }
    return task;
  });
}

/** Deletes the task and its jobs (ON DELETE CASCADE). */
export async function deleteTask(em: EntityManager, id: number): Promise<Task> {
  const task = await getTask(em, { id });
  await em.nativeDelete(TaskSchema, { id });
  return task;
}
