import type { SqlExecutor } from "../db/executor.js";
import { blockDependents as blockDependentRows } from "../db/statements/dependencies/block-dependents.js";
import type { ChangedJob } from "../db/statements/dependencies/changed-job.js";
import { releaseDependents as releaseDependentRows } from "../db/statements/dependencies/release-dependents.js";
import { selectBlockedDependents } from "../db/statements/dependencies/select-blocked-dependents.js";
import { selectBlockedSubgraph } from "../db/statements/dependencies/select-blocked-subgraph.js";
import { selectDependencyReach } from "../db/statements/dependencies/select-dependency-reach.js";
import { unblockJobs as unblockJobRows } from "../db/statements/dependencies/unblock-jobs.js";
import type { DependencyCandidate } from "../db/statements/jobs/select-dependency-candidates.js";
import { InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import type { JobStatus } from "../domain/job.js";
import { cyclePath, freeableJobs } from "./dependency-graph.js";
import type { JobChange } from "./events/queue-events.js";

/**
 * Dependency bookkeeping shared by every transition. The invariants kept here:
 * - job.unmet_dependencies = the number of its dependencies that are not COMPLETED
 *   (whatever the job's own status), so the claim index needs no join;
 * - a PENDING job has no FAILED, CANCELLED or BLOCKED dependency: such a job is BLOCKED,
 *   and a BLOCKED job with none left is PENDING again (after RetryJob, DeleteJob, UpdateJob).
 * Every function runs inside the caller's transaction (tx) and returns the changes to
 * publish once that transaction committed.
 */

function changesOf(jobs: readonly ChangedJob[], status: JobStatus): JobChange[] {
  return jobs.map((j) => ({ projectId: j.projectId, jobId: j.id, type: "updated" as const, status }));
}

/** In the transaction that set these jobs COMPLETED: their dependents count down; those now claimable are returned. */
export async function releaseDependents(tx: SqlExecutor, completedJobIds: readonly number[]): Promise<JobChange[]> {
  return changesOf(await releaseDependentRows(tx, completedJobIds), "pending");
}

/** In the transaction that set these jobs FAILED (final), CANCELLED or BLOCKED: their PENDING dependents, transitively, become BLOCKED. */
export async function blockDependents(tx: SqlExecutor, jobIds: readonly number[]): Promise<JobChange[]> {
  return changesOf(await blockDependentRows(tx, jobIds), "blocked");
}

/**
 * Moves BLOCKED jobs among the candidates, and their BLOCKED dependents
 * transitively, back to PENDING when nothing FAILED, CANCELLED or BLOCKED stays
 * above them: two statements whatever the depth (read the blocked subgraph,
 * free what can be freed). Call it after the change that may have lifted the
 * block (a retry, a deleted dependency, replaced dependencies).
 */
export async function unblockJobs(tx: SqlExecutor, candidateIds: readonly number[]): Promise<JobChange[]> {
  const freed = freeableJobs(await selectBlockedSubgraph(tx, candidateIds));
  return changesOf(await unblockJobRows(tx, freed), "pending");
}

/** Unblocks what these jobs no longer block (they were retried or got new dependencies). */
export async function unblockDependentsOf(tx: SqlExecutor, jobIds: readonly number[]): Promise<JobChange[]> {
  return unblockJobs(tx, await selectBlockedDependents(tx, jobIds));
}

/** The cycle that making jobId depend on newDependsOn would close (jobId first and last), or null. */
export async function findCycle(tx: SqlExecutor, jobId: number, newDependsOn: readonly number[]): Promise<number[] | null> {
  if (newDependsOn.length === 0) return null;
  if (newDependsOn.includes(jobId)) return [jobId, jobId];
  const edges = await selectDependencyReach(tx, newDependsOn, jobId);
  return edges.length === 0 ? null : cyclePath(jobId, newDependsOn, edges);
}

/**
 * Refuses dependencies that do not exist or belong to another project,
 * naming the field and the id; returns the status of each wanted dependency.
 */
export function checkDependencies(
  field: string,
  projectId: number,
  wanted: readonly number[],
  found: readonly DependencyCandidate[],
): Map<number, JobStatus> {
  const byId = new Map(found.map((c) => [c.id, c]));
  const statuses = new Map<number, JobStatus>();
  for (const id of wanted) {
    const dep = byId.get(id);
    if (!dep) throw new NotFoundError(`${field}: job`, id);
    if (dep.projectId !== projectId) {
      throw new InvalidArgumentError(field, `job ${id} is in project ${dep.projectId}, not in project ${projectId}: dependencies must be in the same project`);
    }
    statuses.set(id, dep.status);
  }
  return statuses;
}
