import { create } from "@bufbuild/protobuf";
import { JobStatus } from "../../gen/whatsnext/v1/common_pb.js";
import {
  AttemptOutcome as AttemptOutcomeMessage,
  JobAttemptSchema,
  JobSchema as JobMessageSchema,
  type Job as JobMessage,
  type JobAttempt as JobAttemptMessage,
} from "../../gen/whatsnext/v1/job_pb.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { AttemptOutcome, Job, JobAttempt, JobStatus as JobStatusValue } from "../domain/job.js";
import { duration, timestamp } from "./convert.js";

/** Stored status → wire enum; a Record so that a new stored status fails to compile until mapped. */
export const jobStatusToProto: Readonly<Record<JobStatusValue, JobStatus>> = {
  pending: JobStatus.PENDING,
  queued: JobStatus.QUEUED,
  running: JobStatus.RUNNING,
  completed: JobStatus.COMPLETED,
  failed: JobStatus.FAILED,
  blocked: JobStatus.BLOCKED,
  cancelled: JobStatus.CANCELLED,
};

/** The stored status of a wire enum value; UNSPECIFIED and unknown numbers are refused naming the field. */
export function jobStatusFromProto(status: JobStatus, field = "status"): JobStatusValue {
  for (const [stored, wire] of Object.entries(jobStatusToProto) as Array<[JobStatusValue, JobStatus]>) {
    if (wire === status) return stored;
  }
  throw new InvalidArgumentError(field, `must be a JOB_STATUS_* value other than UNSPECIFIED, got ${status}`);
}

/** The wire Job of a job. */
export function jobToProto(row: Job): JobMessage {
  return create(JobMessageSchema, {
    id: BigInt(row.id),
    projectId: BigInt(row.projectId),
    taskId: BigInt(row.taskId),
    taskName: row.taskName,
    name: row.name,
    parameters: row.parameters as JobMessage["parameters"],
    priority: row.priority,
    status: jobStatusToProto[row.status],
    dependsOn: row.dependsOn.map((id) => BigInt(id)),
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    workerId: row.workerId ?? "",
    leaseExpireTime: timestamp(row.leaseExpiresAt),
    notBeforeTime: timestamp(row.notBefore),
    createTime: timestamp(row.createdAt),
    updateTime: timestamp(row.updatedAt),
    startTime: timestamp(row.startedAt),
    finishTime: timestamp(row.finishedAt),
    command: row.command,
    exitCode: row.exitCode ?? undefined,
    message: row.message,
    outputTail: row.outputTail,
    idempotencyKey: row.idempotencyKey ?? "",
    commandTemplate: row.commandTemplate,
    requiredCpu: row.requiredCpu,
    requiredAccelerators: row.requiredAccelerators,
    lostLeases: row.lostLeases,
    runs: row.runs,
    sweepId: BigInt(row.sweepId ?? 0),
    expectedDuration: duration(row.expectedSeconds),
    checkpoint: row.checkpoint,
    inheritedSchedulerJob: row.inheritedSchedulerJob ?? undefined,
  });
}

const attemptOutcomeToProto: Readonly<Record<AttemptOutcome, AttemptOutcomeMessage>> = {
  claimed: AttemptOutcomeMessage.CLAIMED,
  running: AttemptOutcomeMessage.RUNNING,
  completed: AttemptOutcomeMessage.COMPLETED,
  failed: AttemptOutcomeMessage.FAILED,
  released: AttemptOutcomeMessage.RELEASED,
  lost: AttemptOutcomeMessage.LOST,
  cancelled: AttemptOutcomeMessage.CANCELLED,
  preempted: AttemptOutcomeMessage.PREEMPTED,
};

/** The wire JobAttempt of an attempt. */
export function attemptToProto(a: JobAttempt): JobAttemptMessage {
  return create(JobAttemptSchema, {
    jobId: BigInt(a.jobId),
    number: a.number,
    workerId: a.workerId ?? "",
    workerName: a.workerName,
    workerHost: a.workerHost,
    claimTime: timestamp(a.claimedAt),
    startTime: timestamp(a.startedAt),
    finishTime: timestamp(a.finishedAt),
    outcome: attemptOutcomeToProto[a.outcome],
    command: a.command,
    acceleratorIds: a.acceleratorIds,
    exitCode: a.exitCode ?? undefined,
    message: a.message,
    outputTail: a.outputTail,
    schedulerJob: a.schedulerJob ?? undefined,
  });
}
