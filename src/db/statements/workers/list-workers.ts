import type { WorkerWithJobs } from "../../../domain/worker.js";
import type { SqlExecutor } from "../../executor.js";
import { WORKER_COLUMNS, workerFromRow, type WorkerSqlRow } from "./worker-row.js";

/** A keyset page of workers in id order, active ones only unless asked; `limit` rows at most. */
export async function listWorkers(sql: SqlExecutor, opts: { includeInactive: boolean; afterId: string; limit: number }): Promise<WorkerWithJobs[]> {
  const rows = await sql.query<WorkerSqlRow>(
    `select ${WORKER_COLUMNS} from worker w where w.id > ? ${opts.includeInactive ? "" : "and w.active"} order by w.id limit ?`,
    [opts.afterId, opts.limit],
  );
  return rows.map(workerFromRow);
}
