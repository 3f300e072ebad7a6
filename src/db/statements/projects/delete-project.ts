import type { Project, ProjectRef } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { projectFromRow, type ProjectSqlRow } from "./project-row.js";

/** Deletes a project with its tasks, jobs and dependencies (ON DELETE CASCADE); null when there is none. */
export async function deleteProject(sql: SqlExecutor, ref: ProjectRef): Promise<Project | null> {
  const rows = await sql.query<ProjectSqlRow>("id" in ref ? `delete from project where id = ? returning *` : `delete from project where name = ? returning *`, [
    "id" in ref ? ref.id : ref.name,
  ]);
  return rows[0] ? projectFromRow(rows[0]) : null;
}
