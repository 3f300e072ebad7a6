import type { Task } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { taskFromRow, type TaskSqlRow } from "./task-row.js";

/** Changes to a task; null leaves a field as it is. */
export interface TaskChanges {
  readonly name: string | null;
  readonly commandTemplate: string | null;
  readonly requiredCpu: number | null;
  readonly requiredAccelerators: number | null;
}

/**
 * Changes a task in one statement. Changed requirements are copied onto its
 * PENDING and BLOCKED jobs, which carry them so that a claim needs no join.
 * Null when the task does not exist; a name taken in the project fails with
 * the unique violation (AlreadyExists).
 */
export async function updateTask(sql: SqlExecutor, id: number, c: TaskChanges): Promise<Task | null> {
  const rows = await sql.query<TaskSqlRow>(
    `with old as (
       select id, required_cpu, required_accelerators from task where id = ? for update
     ), upd as (
       update task t set name = coalesce(?, t.name), command_template = coalesce(?, t.command_template),
              required_cpu = coalesce(?::int, t.required_cpu), required_accelerators = coalesce(?::int, t.required_accelerators),
              updated_at = now()
       from old
       where t.id = old.id
       returning t.*, (t.required_cpu <> old.required_cpu or t.required_accelerators <> old.required_accelerators) as requirements_changed
     ), jobs as (
       update job j set required_cpu = u.required_cpu, required_accelerators = u.required_accelerators, updated_at = now()
       from upd u
       where u.requirements_changed and j.task_id = u.id and j.status in ('pending', 'blocked')
     )
     select * from upd`,
    [id, c.name, c.commandTemplate, c.requiredCpu, c.requiredAccelerators],
  );
  return rows[0] ? taskFromRow(rows[0]) : null;
}
