import type { WorkerWithJobs } from "../../../domain/worker.js";
import type { SqlExecutor } from "../../executor.js";
import { WORKER_COLUMNS, workerFromRow, type WorkerSqlRow } from "./worker-row.js";

/** What a worker says about itself; resources null mean "not reported". */
export interface WorkerFields {
  readonly id: string;
  readonly name: string;
  readonly entity: string;
  readonly description: string;
  readonly availableCpu: number | null;
  readonly availableAccelerators: number | null;
}

/**
 * Creates the worker or, when the id exists, updates its fields and
 * reactivates it with a fresh heartbeat: a restarted worker keeps its id, its
 * history and the leases it still holds.
 */
export async function upsertWorker(sql: SqlExecutor, w: WorkerFields): Promise<WorkerWithJobs> {
  const rows = await sql.query<WorkerSqlRow>(
    `with w as (
       insert into worker (id, name, entity, description, available_cpu, available_accelerators, last_heartbeat_at, active)
       values (?, ?, ?, ?, ?, ?, now(), true)
       on conflict (id) do update set name = excluded.name, entity = excluded.entity, description = excluded.description,
         available_cpu = excluded.available_cpu, available_accelerators = excluded.available_accelerators,
         last_heartbeat_at = now(), active = true
       returning *
     )
     select ${WORKER_COLUMNS} from w`,
    [w.id, w.name, w.entity, w.description, w.availableCpu, w.availableAccelerators],
  );
  return workerFromRow(rows[0]!);
}
