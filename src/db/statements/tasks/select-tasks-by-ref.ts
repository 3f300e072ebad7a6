import type { Task } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { taskFromRow, type TaskSqlRow } from "./task-row.js";

/**
 * Tasks with any of these ids (in any project: the caller refuses another
 * project's task by name) and the project's tasks with any of these names, in
 * one statement.
 */
export async function selectTasksByRef(sql: SqlExecutor, projectId: number, ids: readonly number[], names: readonly string[]): Promise<Task[]> {
  const rows = await sql.query<TaskSqlRow>(
    `select * from task where id = any(array[?]::bigint[]) or (project_id = ? and name = any(array[?]::text[]))`,
    [[...ids], projectId, [...names]],
  );
  return rows.map(taskFromRow);
}
