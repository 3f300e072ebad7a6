import type { Sweep } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { SWEEP_COLUMNS, sweepFromRow, type SweepSqlRow } from "./sweep-row.js";

/** A keyset page of a project's sweeps in id order; `limit` rows at most. */
export async function listSweeps(sql: SqlExecutor, opts: { projectId: number; afterId: number; limit: number }): Promise<Sweep[]> {
  const rows = await sql.query<SweepSqlRow>(`select ${SWEEP_COLUMNS} from sweep s where s.project_id = ? and s.id > ? order by s.id limit ?`, [
    opts.projectId,
    opts.afterId,
    opts.limit,
  ]);
  return rows.map(sweepFromRow);
}
