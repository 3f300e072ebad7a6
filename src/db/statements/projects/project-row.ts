import type { Project, ProjectStatus } from "../../../domain/catalog.js";

/** A project row as PostgreSQL returns it. */
export interface ProjectSqlRow {
  id: number;
  name: string;
  description: string;
  status: ProjectStatus;
  created_at: Date;
  updated_at: Date;
}

export function projectFromRow(r: ProjectSqlRow): Project {
  return { id: r.id, name: r.name, description: r.description, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at };
}
