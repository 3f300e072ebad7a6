import type { Task } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { taskFromRow, type TaskSqlRow } from "./task-row.js";

/** Changes to a task; null leaves a field as it is. */
export interface TaskChanges {
  readonly name: string | null;
  readonly commandTemplate: string | null;
  readonly requiredCpu: number | null;
  readonly requiredAccelerators: number | null;
  /** A new expected duration: seconds, 0 to clear it, null to leave it. */
  readonly expectedSeconds: number | null;
}

/**
 * Changes a task in one statement. Changed requirements are copied onto its
 * PENDING and BLOCKED jobs, which carry them so that a claim needs no join;
 * so is a changed expected duration, onto the jobs that had the old one (not
 * those that set their own).
 * Null when the task does not exist; a name taken in the project fails with
 * the unique violation (AlreadyExists).
 */
export async function updateTask(sql: SqlExecutor, id: number, c: TaskChanges): Promise<Task | null> {
  const rows = await sql.query<TaskSqlRow>(
    `with old as (
       select id, required_cpu, required_accelerators, expected_seconds from task where id = ? for update
     ), upd as (
       update task t set name = coalesce(?, t.name), command_template = coalesce(?, t.command_template),
              required_cpu = coalesce(?::int, t.required_cpu), required_accelerators = coalesce(?::int, t.required_accelerators),
              expected_seconds = case when ?::int is null then t.expected_seconds when ?::int = 0 then null else ?::int end,
              updated_at = now()
       from old
       where t.id = old.id
       returning t.*, (t.required_cpu <> old.required_cpu or t.required_accelerators <> old.required_accelerators) as requirements_changed,
                 t.expected_seconds is distinct from old.expected_seconds as duration_changed, old.expected_seconds as old_expected_seconds
     ), jobs as (
       update job j set required_cpu = u.required_cpu, required_accelerators = u.required_accelerators,
              expected_seconds = case when u.duration_changed and j.expected_seconds is not distinct from u.old_expected_seconds
                                      then u.expected_seconds else j.expected_seconds end,
              updated_at = now()
       from upd u
       where (u.requirements_changed or u.duration_changed) and j.task_id = u.id and j.status in ('pending', 'blocked')
     )
     select * from upd`,
    [id, c.name, c.commandTemplate, c.requiredCpu, c.requiredAccelerators, c.expectedSeconds, c.expectedSeconds, c.expectedSeconds],
  );
  return rows[0] ? taskFromRow(rows[0]) : null;
}
