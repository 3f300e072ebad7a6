import type { Task } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { taskFromRow, type TaskSqlRow } from "./task-row.js";

/** A keyset page of a project's tasks in id order; `limit` rows at most. */
export async function listTasks(sql: SqlExecutor, opts: { projectId: number; afterId: number; limit: number }): Promise<Task[]> {
  const rows = await sql.query<TaskSqlRow>(`select * from task where project_id = ? and id > ? order by id limit ?`, [opts.projectId, opts.afterId, opts.limit]);
  return rows.map(taskFromRow);
}
