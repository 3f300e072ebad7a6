import type { WorkerWithJobs } from "../../../domain/worker.js";
import type { SqlExecutor } from "../../executor.js";
import { WORKER_COLUMNS, workerFromRow, type WorkerSqlRow } from "./worker-row.js";

/** What a worker says about itself; resources null mean "not reported". */
export interface WorkerFields {
  readonly id: string;
  readonly name: string;
  readonly entity: string;
  readonly description: string;
  readonly host: string;
  readonly availableCpu: number | null;
  readonly availableAccelerators: number | null;
}

/**
 * Creates the worker or, when the id exists, updates its fields and
 * reactivates it with a fresh heartbeat (a deactivated worker registers again
 * this way): a restarted worker keeps its id, its history and the leases it
 * still holds. The worker is bound to the principal that registered it; an id
 * registered by another principal is left alone (null). Principal null
 * (authentication off, an admin) keeps the worker's binding.
 */
export async function upsertWorker(sql: SqlExecutor, w: WorkerFields, principal: string | null): Promise<WorkerWithJobs | null> {
  const rows = await sql.query<WorkerSqlRow>(
    `with w as (
       insert into worker (id, name, entity, description, host, available_cpu, available_accelerators, last_heartbeat_at, active, principal)
       values (?, ?, ?, ?, ?, ?, ?, now(), true, ?)
       on conflict (id) do update set name = excluded.name, entity = excluded.entity, description = excluded.description, host = excluded.host,
         available_cpu = excluded.available_cpu, available_accelerators = excluded.available_accelerators,
         last_heartbeat_at = now(), active = true, deactivated_at = null, principal = coalesce(worker.principal, excluded.principal)
       where worker.principal is null or excluded.principal is null or worker.principal = excluded.principal
       returning *
     )
     select ${WORKER_COLUMNS} from w`,
    [w.id, w.name, w.entity, w.description, w.host, w.availableCpu, w.availableAccelerators, principal],
  );
  return rows[0] ? workerFromRow(rows[0]) : null;
}
