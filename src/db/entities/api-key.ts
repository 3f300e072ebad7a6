import { BigIntType, EntitySchema } from "@mikro-orm/core";
import type { ApiKey } from "../../domain/api-key.js";

/** The api_key table, the schema's source next to the migrations. Only the SHA-256 of a secret is stored. */
export const ApiKeySchema = new EntitySchema<ApiKey>({
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
