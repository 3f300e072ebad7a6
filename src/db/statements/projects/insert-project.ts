import type { Project } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { projectFromRow, type ProjectSqlRow } from "./project-row.js";

/** Creates an active project; null when the name is taken (concurrent creates of one name make one project). */
export async function insertProject(sql: SqlExecutor, input: { name: string; description: string }): Promise<Project | null> {
  const rows = await sql.query<ProjectSqlRow>(
    `insert into project (name, description, status) values (?, ?, 'active') on conflict (name) do nothing returning *`,
    [input.name, input.description],
  );
  return rows[0] ? projectFromRow(rows[0]) : null;
}
