import { BigIntType, EntitySchema } from "@mikro-orm/core";
import type { Task } from "../../domain/catalog.js";

/** The task table, the schema's source next to the migrations. */
export const TaskSchema = new EntitySchema<Task>({
  name: "Task",
  tableName: "task",
  uniques: [{ properties: ["projectId", "name"] }],
  properties: {
    id: { type: new BigIntType("number"), primary: true, autoincrement: true },
    // A plain column rather than a relation: the queue's SQL joins it itself.
    projectId: { type: new BigIntType("number"), fieldName: "project_id" },
    name: { type: "string", length: 128 },
    commandTemplate: { type: "text", default: "" },
    requiredCpu: { type: "integer", default: 0 },
    requiredAccelerators: { type: "integer", default: 0 },
    expectedSeconds: { type: "integer", nullable: true },
    createdAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()", onCreate: () => new Date() },
    updatedAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()", onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
