import type { Project } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { projectFromRow, type ProjectSqlRow } from "./project-row.js";

/** A keyset page of projects in id order, active ones only unless asked; `limit` rows at most. */
export async function listProjects(sql: SqlExecutor, opts: { includeArchived: boolean; afterId: number; limit: number }): Promise<Project[]> {
  const rows = await sql.query<ProjectSqlRow>(
    `select * from project where id > ? ${opts.includeArchived ? "" : "and status = 'active'"} order by id limit ?`,
    [opts.afterId, opts.limit],
  );
  return rows.map(projectFromRow);
}
