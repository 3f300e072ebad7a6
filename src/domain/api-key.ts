/** The roles a principal may have, least first. */
export const ROLE_NAMES = ["viewer", "worker", "submitter", "admin"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** An API key managed at runtime. Only the SHA-256 of the secret is stored. */
export interface ApiKey {
  id: number;
  name: string;
  role: RoleName;
  prefix: string;
  secretHash: string;
  projectId: number | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}
