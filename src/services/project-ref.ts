import type { SqlExecutor } from "../db/executor.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { getProject } from "../queue/projects.js";
import { requireId, requireName } from "./validation.js";

/**
 * The project a request names, the same way in every request: project_id or
 * project_name, one of them (fields of a oneof in the older FetchJob and
 * Work, plain fields elsewhere, where a oneof cannot be added without moving
 * existing fields). A name is looked up once: NotFound when no project has it.
 * prefix is the path of the message holding the fields ("sweep." in a SweepRef).
 */
export async function requireProjectId(sql: SqlExecutor, ref: { projectId: bigint; projectName: string }, prefix = ""): Promise<number> {
  const named = ref.projectName !== "";
  if (named && ref.projectId !== 0n) {
    throw new InvalidArgumentError(`${prefix}project_name`, "must be empty when project_id is set: name the project by one of them");
  }
  if (!named) return requireId(`${prefix}project_id`, ref.projectId);
  const project = await getProject(sql, { name: requireName(`${prefix}project_name`, ref.projectName) });
  return project.id;
}
