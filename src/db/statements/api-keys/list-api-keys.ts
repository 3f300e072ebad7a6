import type { ApiKey } from "../../../domain/api-key.js";
import type { SqlExecutor } from "../../executor.js";
import { apiKeyFromRow, type ApiKeySqlRow } from "./api-key-row.js";

/** A keyset page of keys in id order, usable and expired ones (revoked only when asked); `limit` rows at most. */
export async function listApiKeys(sql: SqlExecutor, opts: { includeRevoked: boolean; afterId: number; limit: number }): Promise<ApiKey[]> {
  const rows = await sql.query<ApiKeySqlRow>(
    `select * from api_key where id > ? ${opts.includeRevoked ? "" : "and revoked_at is null"} order by id limit ?`,
    [opts.afterId, opts.limit],
  );
  return rows.map(apiKeyFromRow);
}
