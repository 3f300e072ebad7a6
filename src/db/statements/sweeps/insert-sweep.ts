import type { Sweep } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { SWEEP_COLUMNS, sweepFromRow, type SweepSqlRow } from "./sweep-row.js";

/** What a new sweep is. */
export interface SweepFields {
  readonly projectId: number;
  readonly taskId: number;
  readonly name: string;
  readonly spec: Record<string, unknown>;
  readonly specHash: string;
  readonly priority: number;
  readonly maxAttempts: number;
}

/** Creates a sweep; null when the project already has one of that name (concurrent creates of one name make one sweep). */
export async function insertSweep(sql: SqlExecutor, s: SweepFields): Promise<Sweep | null> {
  const rows = await sql.query<SweepSqlRow>(
    `with s as (
       insert into sweep (project_id, task_id, name, spec, spec_hash, priority, max_attempts) values (?, ?, ?, ?::jsonb, ?, ?, ?)
       on conflict (project_id, name) do nothing
       returning *
     )
     select ${SWEEP_COLUMNS} from s`,
    [s.projectId, s.taskId, s.name, JSON.stringify(s.spec), s.specHash, s.priority, s.maxAttempts],
  );
  return rows[0] ? sweepFromRow(rows[0]) : null;
}
