import { create } from "@bufbuild/protobuf";
import { JobStatus } from "../../gen/whatsnext/v1/common_pb.js";
import { JobSchema as JobMessageSchema, type Job as JobMessage } from "../../gen/whatsnext/v1/job_pb.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { Job, JobStatus as JobStatusValue } from "../domain/job.js";
import { timestamp } from "./convert.js";

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
  });
}
