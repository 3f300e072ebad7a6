import type { Task } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { taskFromRow, type TaskSqlRow } from "./task-row.js";

/** A task by id, or by project and name; null when there is none. */
export async function selectTask(sql: SqlExecutor, ref: { id: number } | { projectId: number; name: string }): Promise<Task | null> {
  const rows =
    "id" in ref
      ? await sql.query<TaskSqlRow>(`select * from task where id = ?`, [ref.id])
      : await sql.query<TaskSqlRow>(`select * from task where project_id = ? and name = ?`, [ref.projectId, ref.name]);
  return rows[0] ? taskFromRow(rows[0]) : null;
}
