import type { Task } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { taskFromRow, type TaskSqlRow } from "./task-row.js";

/** What a new task runs and needs. */
export interface TaskFields {
  readonly name: string;
  readonly commandTemplate: string;
  readonly requiredCpu: number;
  readonly requiredAccelerators: number;
  readonly expectedSeconds: number | null;
}

/** Creates a task in an existing project; null when the project is missing or the name is taken in it (the caller tells which). */
export async function insertTask(sql: SqlExecutor, projectId: number, t: TaskFields): Promise<Task | null> {
  const rows = await sql.query<TaskSqlRow>(
    `insert into task (project_id, name, command_template, required_cpu, required_accelerators, expected_seconds)
     select p.id, ?, ?, ?, ?, ? from project p where p.id = ?
     on conflict (project_id, name) do nothing
     returning *`,
    [t.name, t.commandTemplate, t.requiredCpu, t.requiredAccelerators, t.expectedSeconds, projectId],
  );
  return rows[0] ? taskFromRow(rows[0]) : null;
}
