import type { SqlExecutor } from "../db/executor.js";
import { countJobsByStatus } from "../db/statements/jobs/count-jobs-by-status.js";
import { countProjectWorkers } from "../db/statements/jobs/count-project-workers.js";
import { listJobs as listJobRows, type JobFilter } from "../db/statements/jobs/list-jobs.js";
import { selectJob } from "../db/statements/jobs/select-job.js";
import { listJobAttempts as listJobAttemptRows } from "../db/statements/jobs/list-job-attempts.js";
import { selectJobDependencies } from "../db/statements/jobs/select-job-dependencies.js";
import { countWorkers } from "../db/statements/workers/count-workers.js";
import { NotFoundError } from "../domain/errors.js";
import type { DependencyState, Job, JobAttempt, JobStatus } from "../domain/job.js";
import { getProject } from "./projects.js";

/** One job with its task name, command template and dependency ids. */
export async function getJob(sql: SqlExecutor, id: number): Promise<Job> {
  const job = await selectJob(sql, id);
  if (!job) throw new NotFoundError("job", id);
  return job;
}

/** Reads a job for a watcher; null when it is gone by now. */
export function findJob(sql: SqlExecutor, id: number): Promise<Job | null> {
  return selectJob(sql, id);
}

/** A keyset page of a project's jobs in id order; limit + 1 rows so the caller can tell if more follow. */
export async function listJobs(sql: SqlExecutor, filter: JobFilter): Promise<Job[]> {
  await getProject(sql, { id: filter.projectId });
  return listJobRows(sql, { ...filter, limit: filter.limit + 1 });
}

/** The job's dependencies in id order, NotFound when the job does not exist. */
export async function getJobDependencies(sql: SqlExecutor, id: number): Promise<DependencyState[]> {
  const deps = await selectJobDependencies(sql, id);
  if (!deps) throw new NotFoundError("job", id);
  return deps;
}

/** Every attempt of a job with its provenance, oldest first; NotFound when the job does not exist. */
export async function listJobAttempts(sql: SqlExecutor, id: number): Promise<JobAttempt[]> {
  const attempts = await listJobAttemptRows(sql, id);
  if (!attempts) throw new NotFoundError("job", id);
  return attempts;
}

/** Counts per status and worker counts for a project's dashboard. */
export interface QueueStats {
  byStatus: Record<JobStatus, number>;
  total: number;
  /** Server-wide: workers are not bound to a project. */
  activeWorkers: number;
  registeredWorkers: number;
  /** The project's own: workers holding a QUEUED or RUNNING job of it. */
  projectWorkers: number;
}

/** One grouped query over the project's jobs, one over its lease holders, and one over all workers (workers are not per project). */
export async function getQueueStats(sql: SqlExecutor, projectId: number): Promise<QueueStats> {
  await getProject(sql, { id: projectId });
  const byStatus = await countJobsByStatus(sql, projectId);
  const workers = await countWorkers(sql);
  const projectWorkers = await countProjectWorkers(sql, projectId);
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  return { byStatus, total, activeWorkers: workers.active, registeredWorkers: workers.registered, projectWorkers };
}
