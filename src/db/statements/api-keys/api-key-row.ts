import type { ApiKey, RoleName } from "../../../domain/api-key.js";

/** An api_key row as PostgreSQL returns it. */
export interface ApiKeySqlRow {
  id: number;
  name: string;
  role: RoleName;
  prefix: string;
  secret_hash: string;
  project_id: number | null;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export function apiKeyFromRow(r: ApiKeySqlRow): ApiKey {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    prefix: r.prefix,
    secretHash: r.secret_hash,
    projectId: r.project_id,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}
