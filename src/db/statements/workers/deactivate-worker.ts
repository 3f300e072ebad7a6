import type { Worker } from "../../../domain/worker.js";
import type { SqlExecutor } from "../../executor.js";
import { workerFromRow, type WorkerSqlRow } from "./worker-row.js";

/** Marks the worker inactive; null when there is none. Its jobs are the caller's to release in the same transaction. */
export async function deactivateWorker(sql: SqlExecutor, id: string): Promise<Worker | null> {
  const rows = await sql.query<WorkerSqlRow>(`update worker set active = false where id = ? returning *, '{}'::bigint[] as job_ids`, [id]);
  return rows[0] ? workerFromRow(rows[0]).worker : null;
}
