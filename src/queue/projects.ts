import type { SqlExecutor } from "../db/executor.js";
import { deleteProject as deleteProjectRow } from "../db/statements/projects/delete-project.js";
import { insertProject } from "../db/statements/projects/insert-project.js";
import { listProjects as listProjectRows } from "../db/statements/projects/list-projects.js";
import { selectProject } from "../db/statements/projects/select-project.js";
import { updateProject as updateProjectRow } from "../db/statements/projects/update-project.js";
import type { Project, ProjectRef, ProjectStatus } from "../domain/catalog.js";
import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from "../domain/errors.js";

function describe(ref: ProjectRef): string | number {
  return "id" in ref ? ref.id : ref.name;
}

/** Creates an active project; AlreadyExists when the name is taken. */
export async function createProject(sql: SqlExecutor, input: { name: string; description: string }): Promise<Project> {
  const project = await insertProject(sql, input);
  if (!project) throw new AlreadyExistsError("project", JSON.stringify(input.name));
  return project;
}

export async function getProject(sql: SqlExecutor, ref: ProjectRef): Promise<Project> {
  const project = await selectProject(sql, ref);
  if (!project) throw new NotFoundError("project", describe(ref));
  return project;
}

/** The project, refused when missing (NotFound) or archived (FailedPrecondition): archived projects take no new jobs. */
export async function getActiveProject(sql: SqlExecutor, projectId: number): Promise<Project> {
  const project = await getProject(sql, { id: projectId });
  if (project.status !== "active") throw new FailedPreconditionError(`project ${projectId} is archived and takes no new jobs`, "PROJECT_ARCHIVED", { project_id: String(projectId) });
  return project;
}

/** Projects in id order after the cursor; limit + 1 rows so the caller can tell if more follow. */
export async function listProjects(sql: SqlExecutor, opts: { includeArchived: boolean; afterId: number; limit: number }): Promise<Project[]> {
  return listProjectRows(sql, { ...opts, limit: opts.limit + 1 });
}

export async function updateProject(
  sql: SqlExecutor,
  id: number,
  changes: { name?: string; description?: string; status?: ProjectStatus },
): Promise<Project> {
  let project: Project | null;
  try {
    project = await updateProjectRow(sql, id, { name: changes.name ?? null, description: changes.description ?? null, status: changes.status ?? null });
  } catch (err) {
    if (err instanceof AlreadyExistsError) throw new AlreadyExistsError("project", JSON.stringify(changes.name));
    throw err;
  }
  if (!project) throw new NotFoundError("project", id);
  return project;
}

/** Deletes the project; its tasks, jobs and dependencies go with it. */
export async function deleteProject(sql: SqlExecutor, ref: ProjectRef): Promise<Project> {
  const project = await deleteProjectRow(sql, ref);
  if (!project) throw new NotFoundError("project", describe(ref));
  return project;
}
