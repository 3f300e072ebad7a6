import type { SqlDatabase, SqlExecutor } from "../db/executor.js";
import { markDependedOn } from "../db/statements/dependencies/mark-depended-on.js";
import { drawJobIds } from "../db/statements/jobs/draw-job-ids.js";
import { insertDependencyEdges } from "../db/statements/jobs/insert-dependency-edges.js";
import { insertJobWithDependencies } from "../db/statements/jobs/insert-job-with-dependencies.js";
import { insertJobs, type JobInsert } from "../db/statements/jobs/insert-jobs.js";
import { insertResolvedJobs, type ResolvedJobInsert } from "../db/statements/jobs/insert-resolved-jobs.js";
import { selectDependencyCandidates } from "../db/statements/jobs/select-dependency-candidates.js";
import { selectJobByIdempotencyKey } from "../db/statements/jobs/select-job-by-idempotency-key.js";
import { selectJobsByIdempotencyKeys } from "../db/statements/jobs/select-jobs-by-idempotency-keys.js";
import { selectTasksByRef } from "../db/statements/tasks/select-tasks-by-ref.js";
import type { Task, TaskRef } from "../domain/catalog.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import type { Job, JobStatus } from "../domain/job.js";
import { itemsToCreate, planBatch, type KeyedJob } from "./batch-plan.js";
import { checkDependencies } from "./dependencies.js";
import type { JobChange, QueueEvents } from "./events/queue-events.js";
import { getActiveProject } from "./projects.js";
import { checkParametersCover } from "./template-coverage.js";

/** A validated job to create (the service checked sizes and ranges). */
export interface NewJob {
  task: TaskRef;
  name: string;
  parameters: Record<string, unknown>;
  priority: number;
  /** Ids of existing jobs of the same project; no duplicates. */
  dependsOn: number[];
  maxAttempts: number;
  /** Null when not given. */
  idempotencyKey: string | null;
  /** The job's own expected duration in seconds; null takes the task's. */
  expectedSeconds: number | null;
}

/** An item of a batch: a NewJob that may also depend on earlier items by name. */
export interface NewBatchJob extends NewJob {
  dependsOnNames: string[];
}

/** A created job, or the one that already took the idempotency key (existing). */
export interface CreatedJob {
  readonly job: Job;
  readonly existing: boolean;
}

/** The change a new job publishes: with its needs, so that one waiter it fits is woken. */
export function createdChange(job: Pick<Job, "id" | "projectId" | "status" | "requiredCpu" | "requiredAccelerators">): JobChange {
  return { projectId: job.projectId, jobId: job.id, type: "created", status: job.status, requires: { cpu: job.requiredCpu, accelerators: job.requiredAccelerators } };
}

/** A new job without dependencies as a row to insert (task resolved by the statement). */
export function independentInsert(input: NewJob): JobInsert {
  return {
    id: null,
    taskId: "id" in input.task ? input.task.id : null,
    taskName: "name" in input.task ? input.task.name : null,
    name: input.name,
    parameters: input.parameters,
    priority: input.priority,
    status: "pending",
    maxAttempts: input.maxAttempts,
    unmetDependencies: 0,
    idempotencyKey: input.idempotencyKey,
    sweepId: null,
    paramsHash: null,
    expectedSeconds: input.expectedSeconds,
  };
}

/**
 * Creates one job in a single statement (no explicit transaction). With an
 * idempotency key already used in the project, returns that job with
 * existing = true; concurrent creates with one key yield one job.
 */
export async function createJob(sql: SqlExecutor, events: QueueEvents, projectId: number, input: NewJob): Promise<CreatedJob> {
  const [refused] = await parameterProblems(sql, projectId, [input]);
  if (refused) throw refused;
  let job: Job | null;
  if (input.dependsOn.length === 0) {
    job = (await insertJobs(sql, projectId, [independentInsert(input)], true)).get(0) ?? null;
  } else {
    await markDependedOn(sql, { projectId }, input.dependsOn);
    job = await insertJobWithDependencies(sql, projectId, input);
  }
  if (job) {
    await events.jobsChanged([createdChange(job)]);
    return { job, existing: false };
  }
  return explainNotCreated(sql, projectId, input);
}

/**
 * Why a create inserted nothing, in the order a person would check: the
 * idempotency key was taken (answered with that job), the project is missing
 * or archived, the task is not in it, a dependency is missing or elsewhere.
 */
export async function explainNotCreated(sql: SqlExecutor, projectId: number, input: NewJob): Promise<CreatedJob> {
  if (input.idempotencyKey !== null) {
    const existing = await selectJobByIdempotencyKey(sql, projectId, input.idempotencyKey);
    if (existing) return { job: existing, existing: true };
  }
  await getActiveProject(sql, projectId);
  await resolveTasks(sql, projectId, [input.task], () => ("id" in input.task ? "task_id" : "task_name"));
  checkDependencies("depends_on", projectId, input.dependsOn, await selectDependencyCandidates(sql, input.dependsOn, false));
  throw new FailedPreconditionError(`job not created in project ${projectId}: it changed while the job was created; try again`, "CONCURRENT_CHANGE", { project_id: String(projectId) });
}

/**
 * For each job, the InvalidArgument it meets when its task is known and its
 * parameters leave a placeholder of the task's command empty (one query for
 * all). A task that is not found is left to the insert, which explains it.
 */
export async function parameterProblems(sql: SqlExecutor, projectId: number, inputs: readonly NewJob[]): Promise<Array<Error | undefined>> {
  const ids = [...new Set(inputs.flatMap((i) => ("id" in i.task ? [i.task.id] : [])))];
  const names = [...new Set(inputs.flatMap((i) => ("name" in i.task ? [i.task.name] : [])))];
  const tasks = await selectTasksByRef(sql, projectId, ids, names);
  return inputs.map((input) => {
    const ref = input.task;
    const task = tasks.find((t) => t.projectId === projectId && ("id" in ref ? t.id === ref.id : t.name === ref.name));
    if (!task) return undefined;
    try {
      checkParametersCover("parameters", task, input.parameters);
      return undefined;
    } catch (err) {
      return err as Error;
    }
  });
}

/** Resolves task refs of the project in one query; fieldOf names the offending item's field in errors. */
async function resolveTasks(sql: SqlExecutor, projectId: number, refs: readonly TaskRef[], fieldOf: (index: number) => string): Promise<Task[]> {
  const ids = [...new Set(refs.flatMap((r) => ("id" in r ? [r.id] : [])))];
  const names = [...new Set(refs.flatMap((r) => ("name" in r ? [r.name] : [])))];
  const byId = new Map<number, Task>();
  const byName = new Map<string, Task>();
  for (const t of await selectTasksByRef(sql, projectId, ids, names)) {
    byId.set(t.id, t);
    if (t.projectId === projectId) byName.set(t.name, t);
  }
  return refs.map((ref, i) => {
    const task = "id" in ref ? byId.get(ref.id) : byName.get(ref.name);
    if (!task) throw new NotFoundError(`${fieldOf(i)}: task`, "id" in ref ? ref.id : ref.name);
    if (task.projectId !== projectId) throw new InvalidArgumentError(fieldOf(i), `task ${task.id} is in project ${task.projectId}, not in project ${projectId}`);
    return task;
  });
}

/**
 * Creates every job of the batch or none, in one transaction and a fixed
 * number of statements whatever the batch size: ids are drawn from the
 * sequence first, so edges between items are known before the rows exist.
 * Items may depend on earlier items by name and on existing jobs by id
 * (locked FOR SHARE, as CreateJob's). An item whose idempotency key is
 * already used resolves to that job, so a retried batch returns the same ids.
 */
export async function batchCreateJobs(db: SqlDatabase, events: QueueEvents, projectId: number, items: readonly NewBatchJob[]): Promise<number[]> {
  await markDependedOn(db, { projectId }, [...new Set(items.flatMap((i) => i.dependsOn))]);
  const { ids, changes } = await db.transaction(async (tx) => {
    await getActiveProject(tx, projectId);
    const tasks = await resolveTasks(
      tx,
      projectId,
      items.map((i) => i.task),
      (i) => `jobs[${i}].${"id" in items[i]!.task ? "task_id" : "task_name"}`,
    );

    items.forEach((item, i) => checkParametersCover(`jobs[${i}].parameters`, tasks[i]!, item.parameters));

    const dependencyStatus = new Map<number, JobStatus>();
    const existingIds = [...new Set(items.flatMap((i) => i.dependsOn))];
    if (existingIds.length > 0) {
      const found = await selectDependencyCandidates(tx, existingIds, true);
      items.forEach((item, i) => {
        for (const [id, status] of checkDependencies(`jobs[${i}].depends_on`, projectId, item.dependsOn, found)) dependencyStatus.set(id, status);
      });
    }

    const keys = items.flatMap((i) => (i.idempotencyKey === null ? [] : [i.idempotencyKey]));
    const existingByKey = new Map<string, KeyedJob>((await selectJobsByIdempotencyKeys(tx, projectId, keys)).map((k) => [k.idempotencyKey, k]));
    const created = itemsToCreate(items, existingByKey);
    const plan = planBatch(items, { created, freshIds: await drawJobIds(tx, created.length), existingByKey, dependencyStatus });

    if (created.length > 0) {
      const rows: ResolvedJobInsert[] = created.map((i) => {
        const item = items[i]!;
        const task = tasks[i]!;
        return {
          id: plan.ids[i]!,
          taskId: task.id,
          name: item.name,
          parameters: item.parameters,
          priority: item.priority,
          status: plan.statuses[i]!,
          maxAttempts: item.maxAttempts,
          unmetDependencies: plan.unmet[i]!,
          idempotencyKey: item.idempotencyKey,
          requiredCpu: task.requiredCpu,
          requiredAccelerators: task.requiredAccelerators,
          expectedSeconds: item.expectedSeconds ?? task.expectedSeconds,
        };
      });
      const inserted = await insertResolvedJobs(tx, projectId, rows);
      if (inserted !== rows.length) {
        // A concurrent create taking one of the keys, or the project archived, between the reads above and the insert.
        await getActiveProject(tx, projectId);
        throw new FailedPreconditionError("an idempotency key of the batch was taken while the batch was created; retry the batch", "CONCURRENT_CHANGE");
      }
    }
    await insertDependencyEdges(tx, plan.edgesFrom, plan.edgesTo);
    const changes = created.map((i) =>
      createdChange({ id: plan.ids[i]!, projectId, status: plan.statuses[i]!, requiredCpu: tasks[i]!.requiredCpu, requiredAccelerators: tasks[i]!.requiredAccelerators }),
    );
    return { ids: plan.ids, changes };
  });
  await events.jobsChanged(changes);
  return ids;
}
