import { BigIntType, EntitySchema } from "@mikro-orm/core";

/** Stored job statuses (lower case); the proto enum JOB_STATUS_* maps onto these. */
export const JOB_STATUSES = ["pending", "queued", "running", "completed", "failed", "blocked", "cancelled"] as const;
export type JobStatusValue = (typeof JOB_STATUSES)[number];

export interface Job {
  id: number;
  projectId: number;
  taskId: number;
  name: string;
  parameters: Record<string, unknown>;
  priority: number;
  status: JobStatusValue;
  attempts: number;
  maxAttempts: number;
  /** Dependencies not yet COMPLETED; the claim index covers only jobs where it is 0. */
  unmetDependencies: number;
  /** Copied from the task so that a claim reads one index and no join. */
  requiredCpu: number;
  requiredAccelerators: number;
  workerId: string | null;
  leaseExpiresAt: Date | null;
  notBefore: Date | null;
  idempotencyKey: string | null;
  command: string;
  exitCode: number | null;
  message: string;
  outputTail: string;
  cancelRequested: boolean;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export const JobSchema = new EntitySchema<Job>({
  name: "Job",
  tableName: "job",
  properties: {
    id: { type: new BigIntType("number"), primary: true, autoincrement: true },
    projectId: { type: new BigIntType("number") },
    taskId: { type: new BigIntType("number") },
    name: { type: "string", length: 256, default: "" },
    parameters: { type: "json", default: "{}" },
    priority: { type: "integer", default: 0 },
    status: { type: "string", length: 16, default: "pending" },
    attempts: { type: "integer", default: 0 },
    maxAttempts: { type: "integer", default: 1 },
    unmetDependencies: { type: "integer", default: 0 },
    requiredCpu: { type: "integer", default: 0 },
    requiredAccelerators: { type: "integer", default: 0 },
    workerId: { type: "string", length: 128, nullable: true },
    leaseExpiresAt: { type: "Date", columnType: "timestamptz", nullable: true },
    notBefore: { type: "Date", columnType: "timestamptz", nullable: true },
    idempotencyKey: { type: "string", length: 256, nullable: true },
    command: { type: "text", default: "" },
    exitCode: { type: "integer", nullable: true },
    message: { type: "text", default: "" },
    outputTail: { type: "text", default: "" },
    cancelRequested: { type: "boolean", default: false },
    createdAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()", onCreate: () => new Date() },
    updatedAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()", onCreate: () => new Date(), onUpdate: () => new Date() },
    startedAt: { type: "Date", columnType: "timestamptz", nullable: true },
    finishedAt: { type: "Date", columnType: "timestamptz", nullable: true },
  },
});

/** An edge "job depends on dependsOn"; both jobs belong to one project. */
export interface JobDependency {
  jobId: number;
  dependsOnId: number;
}

export const JobDependencySchema = new EntitySchema<JobDependency>({
  name: "JobDependency",
  tableName: "job_dependency",
  properties: {
    jobId: { type: new BigIntType("number"), primary: true },
    dependsOnId: { type: new BigIntType("number"), primary: true },
  },
});
