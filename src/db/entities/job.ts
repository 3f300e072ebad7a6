import { BigIntType, EntitySchema } from "@mikro-orm/core";
import type { Job, JobAttempt } from "../../domain/job.js";

/** The columns of a job row: the domain's Job without what reads join in. */
export type JobColumns = Omit<Job, "taskName" | "commandTemplate" | "dependsOn" | "inheritedSchedulerJob"> & {
  /** Some job depends (or once depended) on this one: its finish does dependency work (migration 0007). */
  hasDependents: boolean;
};

/**
 * The job table as MikroORM sees it: the schema's source next to the
 * migrations (test/schema.test.ts holds the two together). Statements read and
 * write it through src/db/statements/jobs.
 */
export const JobSchema = new EntitySchema<JobColumns>({
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
    runs: { type: "integer", default: 0 },
    lostLeases: { type: "integer", default: 0 },
    sweepId: { type: new BigIntType("number"), nullable: true },
    paramsHash: { type: "string", length: 64, nullable: true },
    expectedSeconds: { type: "integer", nullable: true },
    checkpoint: { type: "text", default: "" },
    unmetDependencies: { type: "integer", default: 0 },
    hasDependents: { type: "boolean", default: false },
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

/**
 * The columns of an attempt row: the domain's JobAttempt with its scheduler
 * job as columns of their own, and the bookkeeping of its stored output
 * (job_output): where its next piece starts, the bytes still stored, and the
 * last send stored.
 */
export type JobAttemptColumns = Omit<JobAttempt, "schedulerJob"> & {
  scheduler: string | null;
  schedulerJobId: string | null;
  schedulerCluster: string;
  schedulerOutputPath: string;
  schedulerRunDir: string;
  schedulerJobStopped: boolean;
  outputSize: number;
  outputStored: number;
  outputSeq: number;
};

/** One claim of a job and its outcome (provenance); the job's attempts in order of number. */
export const JobAttemptSchema = new EntitySchema<JobAttemptColumns>({
  name: "JobAttempt",
  tableName: "job_attempt",
  properties: {
    jobId: { type: new BigIntType("number"), primary: true },
    number: { type: "integer", primary: true },
    workerId: { type: "string", length: 128, nullable: true },
    workerName: { type: "string", length: 256, default: "" },
    workerHost: { type: "string", length: 256, default: "" },
    claimedAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()" },
    startedAt: { type: "Date", columnType: "timestamptz", nullable: true },
    finishedAt: { type: "Date", columnType: "timestamptz", nullable: true },
    outcome: { type: "string", length: 16, default: "claimed" },
    command: { type: "text", default: "" },
    acceleratorIds: { type: "string[]", columnType: "text[]", default: "{}" },
    success: { type: "boolean", nullable: true },
    exitCode: { type: "integer", nullable: true },
    message: { type: "text", default: "" },
    outputTail: { type: "text", default: "" },
    scheduler: { type: "string", length: 16, nullable: true },
    schedulerJobId: { type: "string", length: 128, nullable: true },
    schedulerCluster: { type: "string", length: 128, default: "" },
    schedulerOutputPath: { type: "text", default: "" },
    schedulerRunDir: { type: "text", default: "" },
    schedulerJobStopped: { type: "boolean", default: false },
    outputSize: { type: new BigIntType("number"), default: 0 },
    outputStored: { type: new BigIntType("number"), default: 0 },
    outputSeq: { type: new BigIntType("number"), default: 0 },
  },
});

/** A stored piece of an attempt's output (src/db/statements/job-output). */
export interface JobOutputRow {
  jobId: number;
  attempt: number;
  byteOffset: number;
  stream: string;
  bytes: number;
  content: string;
  createdAt: Date;
}

export const JobOutputSchema = new EntitySchema<JobOutputRow>({
  name: "JobOutput",
  tableName: "job_output",
  properties: {
    jobId: { type: new BigIntType("number"), primary: true },
    attempt: { type: "integer", primary: true },
    byteOffset: { type: new BigIntType("number"), primary: true },
    stream: { type: "string", length: 8 },
    bytes: { type: "integer" },
    content: { type: "text" },
    createdAt: { type: "Date", columnType: "timestamptz", defaultRaw: "now()" },
  },
});
