import type { WorkerWithJobs } from "../../../domain/worker.js";
import type { SqlExecutor } from "../../executor.js";
import { WORKER_COLUMNS, workerFromRow, type WorkerSqlRow } from "./worker-row.js";

/** One worker with the jobs it holds; null when there is none. */
export async function selectWorker(sql: SqlExecutor, id: string): Promise<WorkerWithJobs | null> {
  const rows = await sql.query<WorkerSqlRow>(`select ${WORKER_COLUMNS} from worker w where w.id = ?`, [id]);
  return rows[0] ? workerFromRow(rows[0]) : null;
}
