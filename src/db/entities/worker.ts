import { EntitySchema } from "@mikro-orm/core";
import type { Worker } from "../../domain/worker.js";

/** The worker table, the schema's source next to the migrations. */
export const WorkerSchema = new EntitySchema<Worker>({
  name: "Worker",
  tableName: "worker",
  properties: {
    id: { type: "string", length: 128, primary: true },
    name: { type: "string", length: 256, default: "" },
    entity: { type: "string", length: 256, default: "" },
    description: { type: "text", default: "" },
    host: { type: "string", length: 256, default: "" },
    availableCpu: { type: "integer", nullable: true },
    availableAccelerators: { type: "integer", nullable: true },
    lastHeartbeatAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()" },
    active: { type: "boolean", default: true },
    createdAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()", onCreate: () => new Date() },
    principal: { type: "string", length: 256, nullable: true },
    deactivatedAt: { type: "Date", columnType: "timestamptz", nullable: true },
  },
});
