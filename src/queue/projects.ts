import type { EntityManager } from "@mikro-orm/postgresql";
import { ProjectSchema, type Project, type ProjectStatusValue } from "../db/entities/index.js";
import { AlreadyExistsError, NotFoundError } from "./errors.js";

/** A project by id or by name. */
export type ProjectRef = { id: number } | { name: string };

function describe(ref: ProjectRef): string | number {
  return "id" in ref ? ref.id : ref.name;
}

export async function createProject(em: EntityManager, input: { name: string; description: string }): Promise<Project> {
  const existing = await em.findOne(ProjectSchema, { name: input.name });
  if (existing) throw new AlreadyExistsError("project", JSON.stringify(input.name));
  const project = em.create(ProjectSchema, { name: input.name, description: input.description, status: "active" } as Project);
  await em.persistAndFlush(project);
  return project;
}

export async function getProject(em: EntityManager, ref: ProjectRef): Promise<Project> {
  const project = await em.findOne(ProjectSchema, "id" in ref ? { id: ref.id } : { name: ref.name });
  if (!project) throw new NotFoundError("project", describe(ref));
  return project;
}

/** Projects in id order after the cursor; limit + 1 rows so the caller can tell if more follow. */
export async function listProjects(em: EntityManager, opts: { includeArchived: boolean; afterId: number; limit: number }): Promise<Project[]> {
  return em.find(
    ProjectSchema,
    { id: { $gt: opts.afterId }, ...(opts.includeArchived ? {} : { status: "active" }) },
    { orderBy: { id: "asc" }, limit: opts.limit + 1 },
  );
}

export async function updateProject(
  em: EntityManager,
  id: number,
  changes: { name?: string; description?: string; status?: ProjectStatusValue },
): Promise<Project> {
  const project = await getProject(em, { id });
  if (changes.name !== undefined && changes.name !== project.name) {
    if (await em.findOne(ProjectSchema, { name: changes.name })) throw new AlreadyExistsError("project", JSON.stringify(changes.name));
    project.name = changes.name;
  }
  if (changes.description !== undefined) project.description = changes.description;
  if (changes.status !== undefined) project.status = changes.status;
  await em.flush();
  return project;
}

/** Deletes the project; its tasks, jobs and dependencies go with it (ON DELETE CASCADE). */
export async function deleteProject(em: EntityManager, ref: ProjectRef): Promise<Project> {
  const project = await getProject(em, ref);
  await em.nativeDelete(ProjectSchema, { id: project.id });
  return project;
}
