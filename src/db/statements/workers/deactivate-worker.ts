import type { Worker } from "../../../domain/worker.js";
import type { SqlExecutor } from "../../executor.js";
import { actorParams, principalMayActSql, type WorkerActor } from "./worker-actor.js";
import { workerFromRow, type WorkerSqlRow } from "./worker-row.js";

/**
 * Marks the worker inactive and deactivated (it must register again to work);
 * null when there is none the actor may act as. Its jobs are the caller's to
 * release in the same transaction.
 */
export async function deactivateWorker(sql: SqlExecutor, actor: WorkerActor): Promise<Worker | null> {
  const rows = await sql.query<WorkerSqlRow>(
    `update worker w set active = false, deactivated_at = coalesce(w.deactivated_at, now())
     where w.id = ? and ${principalMayActSql("w")}
     returning *, '{}'::bigint[] as job_ids`,
    [actor.workerId, ...actorParams(actor)],
  );
  return rows[0] ? workerFromRow(rows[0]).worker : null;
}
