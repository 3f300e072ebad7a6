import type { ApiKey } from "../../../domain/api-key.js";
import type { SqlExecutor } from "../../executor.js";
import { apiKeyFromRow, type ApiKeySqlRow } from "./api-key-row.js";

/** Revokes a key that is not revoked yet; null when there is none such (the caller tells missing from already revoked). */
export async function revokeApiKey(sql: SqlExecutor, ref: { id: number } | { name: string }, now: Date): Promise<ApiKey | null> {
  const rows = await sql.query<ApiKeySqlRow>(
    `update api_key set revoked_at = ? where ${"id" in ref ? "id" : "name"} = ? and revoked_at is null returning *`,
    [now, "id" in ref ? ref.id : ref.name],
  );
  return rows[0] ? apiKeyFromRow(rows[0]) : null;
}
