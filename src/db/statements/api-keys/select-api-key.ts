import type { ApiKey } from "../../../domain/api-key.js";
import type { SqlExecutor } from "../../executor.js";
import { apiKeyFromRow, type ApiKeySqlRow } from "./api-key-row.js";

/** A key by id or by name, revoked or not; null when there is none. */
export async function selectApiKey(sql: SqlExecutor, ref: { id: number } | { name: string }): Promise<ApiKey | null> {
  const rows = await sql.query<ApiKeySqlRow>("id" in ref ? `select * from api_key where id = ?` : `select * from api_key where name = ?`, [
    "id" in ref ? ref.id : ref.name,
  ]);
  return rows[0] ? apiKeyFromRow(rows[0]) : null;
}
