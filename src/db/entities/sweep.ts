import { BigIntType, EntitySchema } from "@mikro-orm/core";
import type { Sweep } from "../../domain/catalog.js";

/** The sweep table, the schema's source next to the migrations. */
export const SweepSchema = new EntitySchema<Omit<Sweep, "taskName">>({
  name: "Sweep",
  tableName: "sweep",
  uniques: [{ properties: ["projectId", "name"] }],
  properties: {
    id: { type: new BigIntType("number"), primary: true, autoincrement: true },
    projectId: { type: new BigIntType("number") },
    taskId: { type: new BigIntType("number") },
    name: { type: "string", length: 128 },
    spec: { type: "json" },
    specHash: { type: "string", length: 64 },
    priority: { type: "integer", default: 0 },
    maxAttempts: { type: "integer", default: 1 },
    createdAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()" },
  },
});
