import type { Sweep, SweepRef } from "../../../domain/catalog.js";
import type { SqlExecutor } from "../../executor.js";
import { SWEEP_COLUMNS, sweepFromRow, type SweepSqlRow } from "./sweep-row.js";

/** A sweep by id, or by project and name; with `lock`, its row is locked for the rest of the transaction. Null when there is none. */
export async function selectSweep(sql: SqlExecutor, ref: SweepRef, lock = false): Promise<Sweep | null> {
  const forUpdate = lock ? " for update of s" : "";
  const rows =
    "id" in ref
      ? await sql.query<SweepSqlRow>(`select ${SWEEP_COLUMNS} from sweep s where s.id = ?${forUpdate}`, [ref.id])
      : await sql.query<SweepSqlRow>(`select ${SWEEP_COLUMNS} from sweep s where s.project_id = ? and s.name = ?${forUpdate}`, [ref.projectId, ref.name]);
  return rows[0] ? sweepFromRow(rows[0]) : null;
}
