import type { Project, ProjectStatus } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { projectFromRow, type ProjectSqlRow } from "./project-row.js";

/**
 * Changes a project's fields; null leaves a field as it is. Null when the
 * project does not exist; a taken name fails with the unique violation
 * (AlreadyExists).
 */
export async function updateProject(
  sql: SqlExecutor,
  id: number,
  changes: { name: string | null; description: string | null; status: ProjectStatus | null },
): Promise<Project | null> {
  const rows = await sql.query<ProjectSqlRow>(
    `update project set name = coalesce(?, name), description = coalesce(?, description), status = coalesce(?, status), updated_at = now()
     where id = ? returning *`,
    [changes.name, changes.description, changes.status, id],
  );
  return rows[0] ? projectFromRow(rows[0]) : null;
}
