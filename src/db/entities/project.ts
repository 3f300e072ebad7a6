import { BigIntType, EntitySchema } from "@mikro-orm/core";
import type { Project } from "../../domain/catalog.js";

/** The project table, the schema's source next to the migrations. */
export const ProjectSchema = new EntitySchema<Project>({
  name: "Project",
  tableName: "project",
  properties: {
    id: { type: new BigIntType("number"), primary: true, autoincrement: true },
    name: { type: "string", length: 128, unique: true },
    description: { type: "text", default: "" },
    status: { type: "string", length: 16, default: "active" },
    createdAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()", onCreate: () => new Date() },
    updatedAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()", onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});
