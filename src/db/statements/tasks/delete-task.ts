import type { Task } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { taskFromRow, type TaskSqlRow } from "./task-row.js";

/** Deletes a task and its jobs (ON DELETE CASCADE); null when there is none. */
export async function deleteTask(sql: SqlExecutor, id: number): Promise<Task | null> {
  const rows = await sql.query<TaskSqlRow>(`delete from task where id = ? returning *`, [id]);
  return rows[0] ? taskFromRow(rows[0]) : null;
}
