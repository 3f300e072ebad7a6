import type { Sweep } from "../../../domain/catalog.js";

/** A sweep row with its task's name, as the sweep statements select it. */
export interface SweepSqlRow {
  id: number;
  project_id: number;
  task_id: number;
  task_name: string;
  name: string;
  spec: Record<string, unknown>;
  spec_hash: string;
  priority: number;
  max_attempts: number;
  created_at: Date;
}

/** The select list of a sweep `s` with its task's name. */
export const SWEEP_COLUMNS = `s.*, (select t.name from task t where t.id = s.task_id) as task_name`;

export function sweepFromRow(r: SweepSqlRow): Sweep {
  return {
    id: r.id,
    projectId: r.project_id,
    taskId: r.task_id,
    taskName: r.task_name,
    name: r.name,
    spec: r.spec,
    specHash: r.spec_hash,
    priority: r.priority,
    maxAttempts: r.max_attempts,
    createdAt: r.created_at,
  };
}
