import type { ApiKey, RoleName } from "../../../domain/api-key.js";
import type { SqlExecutor } from "../../executor.js";
import { apiKeyFromRow, type ApiKeySqlRow } from "./api-key-row.js";

/** A key to store: the hash and shown prefix of its secret, never the secret. */
export interface ApiKeyFields {
  readonly name: string;
  readonly role: RoleName;
  readonly prefix: string;
  readonly secretHash: string;
  readonly projectId: number | null;
  readonly expiresAt: Date | null;
}

/** Stores a runtime key; null when the name is taken. */
export async function insertApiKey(sql: SqlExecutor, k: ApiKeyFields): Promise<ApiKey | null> {
  const rows = await sql.query<ApiKeySqlRow>(
    `insert into api_key (name, role, prefix, secret_hash, project_id, expires_at) values (?, ?, ?, ?, ?, ?)
     on conflict (name) do nothing returning *`,
    [k.name, k.role, k.prefix, k.secretHash, k.projectId, k.expiresAt],
  );
  return rows[0] ? apiKeyFromRow(rows[0]) : null;
}
