import { JobStatus } from "../../../gen/whatsnext/v1/common_pb.js";

/** Statuses in the order a queue moves through them; used for legends, filters and counts. */
export const STATUSES: readonly JobStatus[] = [
  JobStatus.PENDING,
  JobStatus.QUEUED,
  JobStatus.RUNNING,
  JobStatus.COMPLETED,
  JobStatus.FAILED,
  JobStatus.BLOCKED,
  JobStatus.CANCELLED,
];

/** The lower-case word for a status, as the CLI prints it and URLs carry it (`?status=failed`). */
export function statusName(status: JobStatus): string {
  return (JobStatus[status] ?? "unspecified").toLowerCase();
}

/** The status a word names, or undefined. */
export function statusFromName(name: string): JobStatus | undefined {
  return STATUSES.find((s) => statusName(s) === name.trim().toLowerCase());
}

/** Statuses RetryJob accepts (the server checks again). */
export function canRetry(status: JobStatus): boolean {
  return status === JobStatus.FAILED || status === JobStatus.BLOCKED || status === JobStatus.CANCELLED;
}

/** Statuses CancelJob accepts (the server checks again). */
export function canCancel(status: JobStatus): boolean {
  return status === JobStatus.PENDING || status === JobStatus.QUEUED || status === JobStatus.RUNNING || status === JobStatus.BLOCKED;
}

/** True once a job will not change without someone acting on it. */
export function isFinal(status: JobStatus): boolean {
  return status === JobStatus.COMPLETED || status === JobStatus.FAILED || status === JobStatus.CANCELLED;
}

// What should catch the eye first when several jobs share one cell of a sweep.
const ATTENTION: readonly JobStatus[] = [
  JobStatus.FAILED,
  JobStatus.BLOCKED,
  JobStatus.CANCELLED,
  JobStatus.RUNNING,
  JobStatus.QUEUED,
  JobStatus.PENDING,
  JobStatus.COMPLETED,
];

/** The status that stands for a group of jobs: a failure anywhere in it shows. */
export function mostNotable(statuses: Iterable<JobStatus>): JobStatus | undefined {
  let best: JobStatus | undefined;
  for (const s of statuses) if (best === undefined || ATTENTION.indexOf(s) < ATTENTION.indexOf(best)) best = s;
  return best;
}
