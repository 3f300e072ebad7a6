/** The catalog the queue works on: projects and their tasks. */

/** Stored values of a project's status; the proto enum maps onto these. */
export type ProjectStatus = "active" | "archived";

export interface Project {
  id: number;
  name: string;
  description: string;
  status: ProjectStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** A project by id or by name. */
export type ProjectRef = { id: number } | { name: string };

/** What a job runs: a command template and the resources each job of it needs. */
export interface Task {
  id: number;
  projectId: number;
  name: string;
  commandTemplate: string;
  requiredCpu: number;
  requiredAccelerators: number;
  /** How long a job of it is expected to run; null when not known. */
  expectedSeconds: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Which task a job runs: by id, or by name within the job's project. */
export type TaskRef = { id: number } | { name: string };

/** A sweep: a named set of parameter combinations of one task, each one job. */
export interface Sweep {
  id: number;
  projectId: number;
  taskId: number;
  taskName: string;
  name: string;
  /** The spec as given (see sweep-spec.ts), kept to re-create idempotently and to show. */
  spec: Record<string, unknown>;
  specHash: string;
  priority: number;
  maxAttempts: number;
  createdAt: Date;
}

/** A sweep by id, or by name within a project. */
export type SweepRef = { id: number } | { projectId: number; name: string };
