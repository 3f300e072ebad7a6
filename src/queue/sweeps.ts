import type { SqlDatabase, SqlExecutor } from "../db/executor.js";
import { insertJobs, type JobInsert } from "../db/statements/jobs/insert-jobs.js";
import { cancelSweepJobs } from "../db/statements/sweeps/cancel-sweep-jobs.js";
import { countSweepJobs, type SweepStanding } from "../db/statements/sweeps/count-sweep-jobs.js";
import { insertSweep } from "../db/statements/sweeps/insert-sweep.js";
import { listSweeps as listSweepRows } from "../db/statements/sweeps/list-sweeps.js";
import { retrySweepJobs } from "../db/statements/sweeps/retry-sweep-jobs.js";
import { selectSweep } from "../db/statements/sweeps/select-sweep.js";
import { selectTasksByRef } from "../db/statements/tasks/select-tasks-by-ref.js";
import type { Sweep, SweepRef, Task, TaskRef } from "../domain/catalog.js";
import { AlreadyExistsError, NotFoundError } from "../domain/errors.js";
import { blockDependents, unblockDependentsOf } from "./dependencies.js";
import type { JobChange, QueueEvents } from "./events/queue-events.js";
import { createdChange } from "./job-creation.js";
import { getActiveProject, getProject } from "./projects.js";
import { checkParametersCover } from "./template-coverage.js";
import { canonicalHash, checkSweepSpec, expandSweep, type SweepSpec } from "./sweep-expansion.js";

/** A sweep with where its jobs stand. */
export interface SweepWithStanding {
  readonly sweep: Sweep;
  readonly standing: SweepStanding;
}

/** What to create. */
export interface NewSweep {
  readonly task: TaskRef;
  readonly name: string;
  readonly spec: SweepSpec;
  readonly priority: number;
  readonly maxAttempts: number;
}

function describe(ref: SweepRef): string | number {
  return "id" in ref ? ref.id : `${JSON.stringify(ref.name)} in project ${ref.projectId}`;
}

async function withStanding(sql: SqlExecutor, sweep: Sweep): Promise<SweepWithStanding> {
  return { sweep, standing: (await countSweepJobs(sql, [sweep.id])).get(sweep.id)! };
}

/** The jobs of a spec's distinct parameter sets, to insert into a sweep (sets it already has are skipped by the insert). */
function sweepJobs(sweep: Sweep, spec: SweepSpec): JobInsert[] {
  return expandSweep(spec).map((set) => ({
    id: null,
    taskId: sweep.taskId,
    taskName: null,
    name: `${sweep.taskName}-${set.label}`.slice(0, 256),
    parameters: set.parameters,
    priority: sweep.priority,
    status: "pending",
    maxAttempts: sweep.maxAttempts,
    unmetDependencies: 0,
    idempotencyKey: null,
    sweepId: sweep.id,
    paramsHash: set.hash,
    expectedSeconds: null,
  }));
}

/** InvalidArgument naming the first parameter set that leaves a placeholder of the task's command empty. */
function checkSweepCovers(task: Pick<Task, "name" | "commandTemplate">, jobs: readonly JobInsert[]): void {
  for (const job of jobs) checkParametersCover(`spec (the parameter set ${JSON.stringify(job.parameters)})`, task, job.parameters);
}

/** Inserts the jobs and returns the changes to publish for those created. */
async function insertSweepJobs(tx: SqlExecutor, sweep: Sweep, jobs: readonly JobInsert[]): Promise<JobChange[]> {
  const created = await insertJobs(tx, sweep.projectId, jobs, true);
  return [...created.values()].map(createdChange);
}

/**
 * Creates a sweep and one job per distinct parameter set of its spec, in one
 * transaction. A sweep of the same name in the project with the same spec
 * (and task) is returned as it is (existing); with another spec it is
 * AlreadyExists.
 */
export async function createSweep(
  db: SqlDatabase,
  events: QueueEvents,
  projectId: number,
  input: NewSweep,
): Promise<SweepWithStanding & { existing: boolean; createdJobs: number }> {
  checkSweepSpec(input.spec);
  const specHash = canonicalHash(input.spec as unknown as Record<string, unknown>);
  const result = await db.transaction(async (tx) => {
    await getActiveProject(tx, projectId);
    const [task] = await selectTasksByRef(tx, projectId, "id" in input.task ? [input.task.id] : [], "name" in input.task ? [input.task.name] : []);
    if (!task || task.projectId !== projectId) throw new NotFoundError("task", "id" in input.task ? input.task.id : input.task.name);
    const sweep = await insertSweep(tx, { projectId, taskId: task.id, name: input.name, spec: input.spec as unknown as Record<string, unknown>, specHash, priority: input.priority, maxAttempts: input.maxAttempts });
    if (!sweep) {
      const existing = (await selectSweep(tx, { projectId, name: input.name }))!;
      if (existing.specHash !== specHash || existing.taskId !== task.id) {
        throw new AlreadyExistsError("sweep", `${JSON.stringify(input.name)} in project ${projectId} (with another task or spec: give it another name, or ExtendSweep)`);
      }
      return { sweep: existing, existing: true, changes: [] as JobChange[] };
    }
    const jobs = sweepJobs(sweep, input.spec);
    checkSweepCovers(task, jobs);
    return { sweep, existing: false, changes: await insertSweepJobs(tx, sweep, jobs) };
  });
  await events.jobsChanged(result.changes);
  return { ...(await withStanding(db, result.sweep)), existing: result.existing, createdJobs: result.changes.length };
}

export async function getSweep(sql: SqlExecutor, ref: SweepRef): Promise<SweepWithStanding> {
  const sweep = await selectSweep(sql, ref);
  if (!sweep) throw new NotFoundError("sweep", describe(ref));
  return withStanding(sql, sweep);
}

/** A project's sweeps in id order after the cursor, with their standing; limit + 1 rows so the caller can tell if more follow. */
export async function listSweeps(sql: SqlExecutor, opts: { projectId: number; afterId: number; limit: number }): Promise<SweepWithStanding[]> {
  await getProject(sql, { id: opts.projectId });
  const sweeps = await listSweepRows(sql, { ...opts, limit: opts.limit + 1 });
  const standing = await countSweepJobs(
    sql,
    sweeps.map((s) => s.id),
  );
  return sweeps.map((sweep) => ({ sweep, standing: standing.get(sweep.id)! }));
}

/** Cancels every job of the sweep that has not ended; their dependents outside the sweep are BLOCKED. */
export async function cancelSweep(db: SqlDatabase, events: QueueEvents, ref: SweepRef, reason: string): Promise<SweepWithStanding & { cancelled: number[] }> {
  const result = await db.transaction(async (tx) => {
    const sweep = await selectSweep(tx, ref, true);
    if (!sweep) throw new NotFoundError("sweep", describe(ref));
    const cancelled = await cancelSweepJobs(tx, sweep.id, reason);
    const blocked = await blockDependents(
      tx,
      cancelled.map((j) => j.id),
    );
    const changes: JobChange[] = [...cancelled.map((j): JobChange => ({ projectId: j.projectId, jobId: j.id, type: "updated", status: "cancelled" })), ...blocked];
    return { sweep, cancelled: cancelled.map((j) => j.id), changes };
  });
  await events.jobsChanged(result.changes);
  return { ...(await withStanding(db, result.sweep)), cancelled: result.cancelled };
}

/** Returns the sweep's FAILED, BLOCKED and CANCELLED jobs to PENDING where RetryJob would; the others are named as skipped. */
export async function retrySweep(db: SqlDatabase, events: QueueEvents, ref: SweepRef): Promise<SweepWithStanding & { retried: number[]; skipped: number[] }> {
  const result = await db.transaction(async (tx) => {
    const sweep = await selectSweep(tx, ref, true);
    if (!sweep) throw new NotFoundError("sweep", describe(ref));
    const { retried, skipped } = await retrySweepJobs(tx, sweep.id);
    const unblocked = await unblockDependentsOf(
      tx,
      retried.map((j) => j.id),
    );
    const changes: JobChange[] = [...retried.map((j): JobChange => ({ projectId: j.projectId, jobId: j.id, type: "updated", status: "pending" })), ...unblocked];
    return { sweep, retried: retried.map((j) => j.id), skipped, changes };
  });
  await events.jobsChanged(result.changes);
  return { ...(await withStanding(db, result.sweep)), retried: result.retried, skipped: result.skipped };
}

/** Adds the distinct parameter sets of a spec to the sweep; sets it already has are skipped. */
export async function extendSweep(
  db: SqlDatabase,
  events: QueueEvents,
  ref: SweepRef,
  spec: SweepSpec,
): Promise<SweepWithStanding & { createdJobs: number; skippedDuplicates: number }> {
  checkSweepSpec(spec);
  const result = await db.transaction(async (tx) => {
    const sweep = await selectSweep(tx, ref, true);
    if (!sweep) throw new NotFoundError("sweep", describe(ref));
    await getActiveProject(tx, sweep.projectId);
    const jobs = sweepJobs(sweep, spec);
    const [task] = await selectTasksByRef(tx, sweep.projectId, [sweep.taskId], []);
    if (task) checkSweepCovers(task, jobs);
    const changes = await insertSweepJobs(tx, sweep, jobs);
    return { sweep, changes, offered: jobs.length };
  });
  await events.jobsChanged(result.changes);
  return { ...(await withStanding(db, result.sweep)), createdJobs: result.changes.length, skippedDuplicates: result.offered - result.changes.length };
}
