import { BigIntType, EntitySchema } from "@mikro-orm/core";

/** An API key managed at runtime. Only the SHA-256 of the secret is stored. */
export interface ApiKeyRecord {
  id: number;
  name: string;
  role: string;
  prefix: string;
  secretHash: string;
  projectId: number | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export const ApiKeySchema = new EntitySchema<ApiKeyRecord>({
  name: "ApiKey",
  tableName: "api_key",
  properties: {
    id: { type: new BigIntType("number"), primary: true, autoincrement: true },
    name: { type: "string", length: 128, unique: true },
    role: { type: "string", length: 16 },
    prefix: { type: "string", length: 32 },
    secretHash: { type: "string", length: 64, unique: true },
    projectId: { type: new BigIntType("number"), nullable: true },
    createdAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()", onCreate: () => new Date() },
    lastUsedAt: { type: "Date", columnType: "timestamptz", nullable: true },
    expiresAt: { type: "Date", columnType: "timestamptz", nullable: true },
    revokedAt: { type: "Date", columnType: "timestamptz", nullable: true },
  },
});
