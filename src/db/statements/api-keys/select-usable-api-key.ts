import type { ApiKey } from "../../../domain/api-key.js";
import type { SqlExecutor } from "../../executor.js";
import { apiKeyFromRow, type ApiKeySqlRow } from "./api-key-row.js";

/**
 * The key whose stored SHA-256 is this one, if it is usable at `now`: not
 * revoked, not expired. Read on every call, so a revoke or an expiry takes
 * effect on the next call in every replica.
 */
export async function selectUsableApiKey(sql: SqlExecutor, secretHash: string, now: Date): Promise<ApiKey | null> {
  const rows = await sql.query<ApiKeySqlRow>(
    `select * from api_key where secret_hash = ? and revoked_at is null and (expires_at is null or expires_at > ?)`,
    [secretHash, now],
  );
  return rows[0] ? apiKeyFromRow(rows[0]) : null;
}
