import type { Project, ProjectRef } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { projectFromRow, type ProjectSqlRow } from "./project-row.js";

/** A project by id or by name; null when there is none. */
export async function selectProject(sql: SqlExecutor, ref: ProjectRef): Promise<Project | null> {
  const rows = await sql.query<ProjectSqlRow>("id" in ref ? `select * from project where id = ?` : `select * from project where name = ?`, [
    "id" in ref ? ref.id : ref.name,
  ]);
  return rows[0] ? projectFromRow(rows[0]) : null;
}
