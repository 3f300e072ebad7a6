import { BigIntType, EntitySchema } from "@mikro-orm/core";

/** Stored values of a project's status; the proto enum maps onto these. */
export type ProjectStatusValue = "active" | "archived";

export interface Project {
  id: number;
  name: string;
  description: string;
  status: ProjectStatusValue;
  createdAt: Date;
  updatedAt: Date;
}

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
