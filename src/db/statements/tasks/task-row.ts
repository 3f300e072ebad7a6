import type { Task } from "../../../domain/catalog.js";

/** A task row as PostgreSQL returns it. */
export interface TaskSqlRow {
  id: number;
  project_id: number;
  name: string;
  command_template: string;
  required_cpu: number;
  required_accelerators: number;
  expected_seconds: number | null;
  created_at: Date;
  updated_at: Date;
}

export function taskFromRow(r: TaskSqlRow): Task {
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    commandTemplate: r.command_template,
    requiredCpu: r.required_cpu,
    requiredAccelerators: r.required_accelerators,
    expectedSeconds: r.expected_seconds,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
