import type { SqlDatabase, SqlExecutor } from "../db/sql.js";
import { JOB_STATUSES, type JobStatusValue } from "../db/entities/index.js";
import {
  blockDependents,
  blockedDependentsOf,
  detachDependents,
  findCycle,
  unblockJobs,
} from "./dependencies.js";
import { FailedPreconditionError, IllegalTransitionError, InvalidArgumentError, NotFoundError } from "./errors.js";
import type { JobChange, QueueEvents } from "./events.js";
import { JOB_COLUMNS, jobRowFromSql, type JobRow, type SqlRow } from "./job-row.js";

/**
 * The job side of the queue: create, read, steer and delete jobs. Every
 * transition is guarded in its SQL (WHERE status in …) so concurrent workers
 * cannot race it, and every change is published after its transaction commits.
 * Dependents follow the rules of dependencies.ts.
 */

const BLOCKING = `('failed', 'cancelled', 'blocked')`;
const FROM_JOB = `from job j join task t on t.id = j.task_id`;
/** Advisory lock class (with the project id) serialising dependency replacements, so two updates cannot close a cycle together. */
const CYCLE_LOCK_CLASS = 0x776e7401;

/** Which task a new job runs: by id, or by name within the job's project. */
export type TaskRef = { id: number } | { name: string };

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
}

/** An item of a batch: a NewJob that may also depend on earlier items by name. */
export interface NewBatchJob extends NewJob {
  dependsOnNames: string[];
}

function describeTask(task: TaskRef): string | number {
  return "id" in task ? task.id : task.name;
}

/** The change a new job publishes: with its needs, so that one waiter it fits is woken. */
export function createdChange(job: JobRow): JobChange {
  return { projectId: job.projectId, jobId: job.id, type: "created", status: job.status, requires: { cpu: job.requiredCpu, accelerators: job.requiredAccelerators } };
}

async function publish(events: QueueEvents, changes: JobChange[]): Promise<void> {
  if (changes.length > 0) await events.jobsChanged(changes);
}

/** The project, refused when missing (NotFound) or archived (FailedPrecondition): archived projects take no new jobs. */
async function requireActiveProject(em: SqlExecutor, projectId: number): Promise<void> {
  const rows: SqlRow[] = await em.execute(`select status from project where id = ?`, [projectId]);
  if (rows.length === 0) throw new NotFoundError("project", projectId);
  if (rows[0]!.status !== "active") throw new FailedPreconditionError(`project ${projectId} is archived and takes no new jobs`);
}

async function requireProject(em: SqlExecutor, projectId: number): Promise<void> {
  const rows: SqlRow[] = await em.execute(`select 1 from project where id = ?`, [projectId]);
  if (rows.length === 0) throw new NotFoundError("project", projectId);
}

/** Refuses dependencies that do not exist or belong to another project, naming the id. */
function checkDependencyRows(field: string, projectId: number, wanted: readonly number[], rows: SqlRow[]): Map<number, JobStatusValue> {
  const found = new Map<number, { projectId: number; status: JobStatusValue }>();
  for (const r of rows) found.set(Number(r.id), { projectId: Number(r.project_id), status: r.status as JobStatusValue });
  const statuses = new Map<number, JobStatusValue>();
  for (const id of wanted) {
    const dep = found.get(id);
    if (!dep) throw new NotFoundError(`${field}: job`, id);
    if (dep.projectId !== projectId) {
      throw new InvalidArgumentError(field, `job ${id} is in project ${dep.projectId}, not in project ${projectId}: dependencies must be in the same project`);
    }
    statuses.set(id, dep.status);
  }
  return statuses;
}

/** Reads one job with its task name, command template and dependency ids. */
export async function getJob(em: SqlExecutor, id: number): Promise<JobRow> {
  const rows: SqlRow[] = await em.execute(`select ${JOB_COLUMNS} ${FROM_JOB} where j.id = ?`, [id]);
  if (rows.length === 0) throw new NotFoundError("job", id);
  return jobRowFromSql(rows[0]!);
}

/**
 * Creates one job in a single statement (no explicit transaction): the
 * dependencies are read FOR SHARE so that a concurrent FinishJob either
 * committed before (and is counted as met) or waits and then sees the new
 * edges. With an idempotency key already used in the project, returns that
 * job with existing = true; `on conflict do nothing` makes concurrent creates
 * with one key yield one job.
 */
export async function createJob(
  em: SqlExecutor,
  events: QueueEvents,
  projectId: number,
  input: NewJob,
): Promise<{ job: JobRow; existing: boolean }> {
  const taskMatch = "id" in input.task ? `t.id = ?` : `t.name = ?`;
  const taskValue = "id" in input.task ? input.task.id : input.task.name;
  // Without dependencies the statement is a plain insert … select: nothing to lock, count or link.
  const rows: SqlRow[] =
    input.dependsOn.length === 0
      ? await em.execute(
          `with ins as (
             insert into job (project_id, task_id, name, parameters, priority, status, max_attempts, unmet_dependencies,
                              required_cpu, required_accelerators, idempotency_key)
             select p.id, t.id, ?, ?::jsonb, ?, 'pending', ?, 0, t.required_cpu, t.required_accelerators, ?
             from project p join task t on t.project_id = p.id and ${taskMatch}
             where p.id = ? and p.status = 'active'
             on conflict (project_id, idempotency_key) do nothing
             returning *
           )
           select ins.*, t.name as task_name, t.command_template, '{}'::bigint[] as depends_on
           from ins join task t on t.id = ins.task_id`,
          [input.name, JSON.stringify(input.parameters), input.priority, input.maxAttempts, input.idempotencyKey, taskValue, projectId],
        )
      : await em.execute(
          // The dependencies are looked up by primary key (unnest … join), whatever the planner thinks of the table's size.
          `with deps as (
             select job.id, job.project_id, job.status from unnest(array[?]::bigint[]) as wanted(id) join job on job.id = wanted.id for share of job
           ), ins as (
             insert into job (project_id, task_id, name, parameters, priority, status, max_attempts, unmet_dependencies,
                              required_cpu, required_accelerators, idempotency_key)
             select p.id, t.id, ?, ?::jsonb, ?,
                    case when exists (select 1 from deps where status in ${BLOCKING}) then 'blocked' else 'pending' end,
                    ?, (select count(*) from deps where status <> 'completed'), t.required_cpu, t.required_accelerators, ?
             from project p join task t on t.project_id = p.id and ${taskMatch}
             where p.id = ? and p.status = 'active' and (select count(*) from deps where project_id = p.id) = ?
             on conflict (project_id, idempotency_key) do nothing
             returning *
           ), edges as (
             insert into job_dependency (job_id, depends_on_id) select ins.id, deps.id from ins cross join deps
           )
           select ins.*, t.name as task_name, t.command_template, array(select id from deps order by id) as depends_on
           from ins join task t on t.id = ins.task_id`,
          [
            input.dependsOn,
            input.name,
            JSON.stringify(input.parameters),
            input.priority,
            input.maxAttempts,
            input.idempotencyKey,
            taskValue,
            projectId,
            input.dependsOn.length,
          ],
        );
  if (rows.length > 0) {
    const job = jobRowFromSql(rows[0]!);
    await publish(events, [createdChange(job)]);
    return { job, existing: false };
  }
  if (input.idempotencyKey !== null) {
    const existing: SqlRow[] = await em.execute(`select ${JOB_COLUMNS} ${FROM_JOB} where j.project_id = ? and j.idempotency_key = ?`, [
      projectId,
      input.idempotencyKey,
    ]);
    if (existing.length > 0) return { job: jobRowFromSql(existing[0]!), existing: true };
  }
  // Nothing inserted: find out why, in the order a person would check.
  await requireActiveProject(em, projectId);
  await resolveTasks(em, projectId, [input.task], () => ("id" in input.task ? "task_id" : "task_name"));
  const deps: SqlRow[] = await em.execute(`select id, project_id, status from job where id = any(array[?]::bigint[])`, [input.dependsOn]);
  checkDependencyRows("depends_on", projectId, input.dependsOn, deps);
  throw new Error(`job not created in project ${projectId} for an unknown reason`);
}

interface ResolvedTask {
  id: number;
  requiredCpu: number;
  requiredAccelerators: number;
}

/** Resolves task refs of the project in one query; fieldOf names the offending item's field in errors. */
async function resolveTasks(
  em: SqlExecutor,
  projectId: number,
  refs: readonly TaskRef[],
  fieldOf: (index: number) => string,
): Promise<ResolvedTask[]> {
  const ids = [...new Set(refs.flatMap((r) => ("id" in r ? [r.id] : [])))];
  const names = [...new Set(refs.flatMap((r) => ("name" in r ? [r.name] : [])))];
  const rows: SqlRow[] = await em.execute(
    `select id, project_id, name, required_cpu, required_accelerators from task
     where id = any(array[?]::bigint[]) or (project_id = ? and name = any(array[?]::text[]))`,
    [ids, projectId, names],
  );
  const byId = new Map<number, SqlRow>();
  const byName = new Map<string, SqlRow>();
  for (const r of rows) {
    byId.set(Number(r.id), r);
    if (Number(r.project_id) === projectId) byName.set(String(r.name), r);
  }
  return refs.map((ref, i) => {
    const row = "id" in ref ? byId.get(ref.id) : byName.get(ref.name);
    if (!row) throw new NotFoundError(`${fieldOf(i)}: task`, describeTask(ref));
    if (Number(row.project_id) !== projectId) {
      throw new InvalidArgumentError(fieldOf(i), `task ${Number(row.id)} is in project ${Number(row.project_id)}, not in project ${projectId}`);
    }
    return { id: Number(row.id), requiredCpu: Number(row.required_cpu), requiredAccelerators: Number(row.required_accelerators) };
  });
}

/**
 * Creates every job of the batch or none, in one transaction and a fixed
 * number of statements whatever the batch size: ids are drawn from the
 * sequence first, so edges between items are known before the rows exist.
 * Items may depend on earlier items by name and on existing jobs by id. An
 * item whose idempotency key is already used resolves to that job (not
 * created again), so a retried batch returns the same ids.
 */
export async function batchCreateJobs(em: SqlDatabase, events: QueueEvents, projectId: number, items: readonly NewBatchJob[]): Promise<number[]> {
  const { ids, changes } = await em.transactional(async (tx) => {
    await requireActiveProject(tx, projectId);
    const tasks = await resolveTasks(
      tx,
      projectId,
      items.map((i) => i.task),
      (i) => `jobs[${i}].${"id" in items[i]!.task ? "task_id" : "task_name"}`,
    );

    // Existing dependencies, locked like CreateJob's.
    const existingIds = [...new Set(items.flatMap((i) => i.dependsOn))];
    const depStatus = new Map<number, JobStatusValue>();
    if (existingIds.length > 0) {
      const rows: SqlRow[] = await tx.execute(`select id, project_id, status from job where id = any(array[?]::bigint[]) for share`, [existingIds]);
      const byId = new Map(rows.map((r) => [Number(r.id), r]));
      items.forEach((item, i) => {
        const own = item.dependsOn.map((id) => byId.get(id)).filter((r): r is SqlRow => r !== undefined);
        for (const [id, status] of checkDependencyRows(`jobs[${i}].depends_on`, projectId, item.dependsOn, own)) depStatus.set(id, status);
      });
    }

    // Idempotency keys already used in the project.
    const keys = items.flatMap((i) => (i.idempotencyKey === null ? [] : [i.idempotencyKey]));
    const seenKeys = new Map<string, number>();
    items.forEach((item, i) => {
      if (item.idempotencyKey === null) return;
      const first = seenKeys.get(item.idempotencyKey);
      if (first !== undefined) throw new InvalidArgumentError(`jobs[${i}].idempotency_key`, `repeats the key of jobs[${first}]`);
      seenKeys.set(item.idempotencyKey, i);
    });
    const existingByKey = new Map<string, { id: number; status: JobStatusValue }>();
    if (keys.length > 0) {
      const rows: SqlRow[] = await tx.execute(
        `select id, idempotency_key, status from job where project_id = ? and idempotency_key = any(array[?]::text[])`,
        [projectId, keys],
      );
      for (const r of rows) existingByKey.set(String(r.idempotency_key), { id: Number(r.id), status: r.status as JobStatusValue });
    }

    const toInsert = items.flatMap((item, i) => (item.idempotencyKey !== null && existingByKey.has(item.idempotencyKey) ? [] : [i]));
    const fresh: SqlRow[] =
      toInsert.length === 0 ? [] : await tx.execute(`select nextval('job_id_seq') as id from generate_series(1, ?)`, [toInsert.length]);
    const ids: number[] = new Array(items.length);
    const statuses: JobStatusValue[] = new Array(items.length);
    const created = new Set<number>();
    toInsert.forEach((index, k) => {
      ids[index] = Number(fresh[k]!.id);
      created.add(index);
    });
    items.forEach((item, i) => {
      const existing = item.idempotencyKey === null ? undefined : existingByKey.get(item.idempotencyKey);
      if (existing) {
        ids[i] = existing.id;
        statuses[i] = existing.status;
      }
    });

    // Names → the index of the earlier item; a name used twice is ambiguous.
    const nameIndex = new Map<string, number>();
    const ambiguous = new Set<string>();
    const edgesFrom: number[] = [];
    const edgesTo: number[] = [];
    const unmet: number[] = new Array(items.length).fill(0);
    items.forEach((item, i) => {
      const deps = new Set<number>();
      let blocked = false;
      let count = 0;
      const add = (field: string, id: number, status: JobStatusValue) => {
        if (deps.has(id)) throw new InvalidArgumentError(field, `names job ${id} twice`);
        deps.add(id);
        if (status !== "completed") count++;
        if (status === "failed" || status === "cancelled" || status === "blocked") blocked = true;
      };
      for (const id of item.dependsOn) add(`jobs[${i}].depends_on`, id, depStatus.get(id)!);
      for (const name of item.dependsOnNames) {
        const field = `jobs[${i}].depends_on_names`;
        if (ambiguous.has(name)) throw new InvalidArgumentError(field, `${JSON.stringify(name)} names more than one earlier item`);
        const j = nameIndex.get(name);
        if (j === undefined) {
          const later = items.findIndex((other, k) => k >= i && other.name === name);
          throw new InvalidArgumentError(
            field,
            later === -1
              ? `${JSON.stringify(name)} is not the name of an earlier item of the batch`
              : `${JSON.stringify(name)} is jobs[${later}], not an earlier item: an item may depend only on earlier items (no cycles)`,
          );
        }
        add(field, ids[j]!, statuses[j]!);
      }
      if (created.has(i)) {
        statuses[i] = blocked ? "blocked" : "pending";
        unmet[i] = count;
        for (const d of deps) {
          edgesFrom.push(ids[i]!);
          edgesTo.push(d);
        }
      }
      if (item.name !== "") {
        if (nameIndex.has(item.name)) ambiguous.add(item.name);
        nameIndex.set(item.name, i);
      }
    });

    if (toInsert.length > 0) {
      const records = toInsert.map((i) => {
        const item = items[i]!;
        const task = tasks[i]!;
        return {
          id: ids[i],
          task_id: task.id,
          name: item.name,
          parameters: item.parameters,
          priority: item.priority,
          status: statuses[i],
          max_attempts: item.maxAttempts,
          unmet_dependencies: unmet[i],
          required_cpu: task.requiredCpu,
          required_accelerators: task.requiredAccelerators,
          idempotency_key: item.idempotencyKey,
        };
      });
      await tx.execute(
        `insert into job (id, project_id, task_id, name, parameters, priority, status, max_attempts, unmet_dependencies,
                          required_cpu, required_accelerators, idempotency_key)
         select x.id, ?, x.task_id, x.name, x.parameters, x.priority, x.status, x.max_attempts, x.unmet_dependencies,
                x.required_cpu, x.required_accelerators, x.idempotency_key
         from jsonb_to_recordset(?::jsonb) as x(id bigint, task_id bigint, name text, parameters jsonb, priority int, status text,
              max_attempts int, unmet_dependencies int, required_cpu int, required_accelerators int, idempotency_key text)`,
        [projectId, JSON.stringify(records)],
      );
    }
    if (edgesFrom.length > 0) {
      await tx.execute(
        `insert into job_dependency (job_id, depends_on_id) select * from unnest(array[?]::bigint[], array[?]::bigint[])`,
        [edgesFrom, edgesTo],
      );
    }
    const changes: JobChange[] = toInsert.map((i) => ({
      projectId,
      jobId: ids[i]!,
      type: "created",
      status: statuses[i]!,
      requires: { cpu: tasks[i]!.requiredCpu, accelerators: tasks[i]!.requiredAccelerators },
    }));
    return { ids, changes };
  });
  await publish(events, changes);
  return ids;
}

/** Keyset page of a project's jobs in id order; limit + 1 rows so the caller can tell if more follow. */
export async function listJobs(
  em: SqlDatabase,
  opts: { projectId: number; statuses: readonly JobStatusValue[]; taskName: string | null; afterId: number; limit: number },
): Promise<JobRow[]> {
  await requireProject(em, opts.projectId);
  const where = [`j.project_id = ?`, `j.id > ?`];
  const params: unknown[] = [opts.projectId, opts.afterId];
  if (opts.statuses.length > 0) {
    where.push(`j.status = any(array[?]::text[])`);
    params.push([...opts.statuses]);
  }
  if (opts.taskName !== null) {
    where.push(`t.name = ?`);
    params.push(opts.taskName);
  }
  params.push(opts.limit + 1);
  const rows: SqlRow[] = await em.execute(`select ${JOB_COLUMNS} ${FROM_JOB} where ${where.join(" and ")} order by j.id limit ?`, params);
  return rows.map(jobRowFromSql);
}

/** Changes to a job that has not started; undefined fields stay. */
export interface JobChanges {
  priority?: number;
  parameters?: Record<string, unknown>;
  /** Replaces every dependency (an empty list removes them). */
  dependsOn?: number[];
}

/** Locks the job row for the rest of the transaction, or NotFound. */
async function lockJob(tx: SqlExecutor, id: number): Promise<{ projectId: number; status: JobStatusValue }> {
  const rows: SqlRow[] = await tx.execute(`select project_id, status from job where id = ? for update`, [id]);
  if (rows.length === 0) throw new NotFoundError("job", id);
  return { projectId: Number(rows[0]!.project_id), status: rows[0]!.status as JobStatusValue };
}

/**
 * Changes a PENDING or BLOCKED job. New dependencies are checked (same
 * project, no cycle: the walk runs under a per-project advisory lock so two
 * concurrent updates cannot close a cycle together), the unmet counter is
 * recounted, and the job and its dependents are blocked or unblocked to match.
 */
export async function updateJob(em: SqlDatabase, events: QueueEvents, id: number, input: JobChanges): Promise<JobRow> {
  const { job, changes } = await em.transactional(async (tx) => {
    if (input.dependsOn !== undefined) {
      // The cycle check's lock comes before the row lock, in the same order in every
      // updater, so two updates of one project queue up instead of deadlocking.
      const owner: SqlRow[] = await tx.execute(`select project_id from job where id = ?`, [id]);
      if (owner.length === 0) throw new NotFoundError("job", id);
      await tx.execute(`select pg_advisory_xact_lock(?, ?)`, [CYCLE_LOCK_CLASS, Number(owner[0]!.project_id)]);
    }
    const current = await lockJob(tx, id);
    if (current.status !== "pending" && current.status !== "blocked") {
      throw new FailedPreconditionError(`job ${id} is ${current.status.toUpperCase()}: only a PENDING or BLOCKED job can be updated`);
    }
    const changes: JobChange[] = [];
    let nextStatus = current.status;
    const sets: string[] = [];
    const params: unknown[] = [];
    if (input.priority !== undefined) {
      sets.push(`priority = ?`);
      params.push(input.priority);
    }
    if (input.parameters !== undefined) {
      sets.push(`parameters = ?::jsonb`);
      params.push(JSON.stringify(input.parameters));
    }
    if (input.dependsOn !== undefined) {
      const deps = input.dependsOn;
      if (deps.includes(id)) throw new InvalidArgumentError("depends_on", `job ${id} cannot depend on itself`);
      const rows: SqlRow[] = await tx.execute(`select id, project_id, status from job where id = any(array[?]::bigint[]) for share`, [deps]);
      const statuses = checkDependencyRows("depends_on", current.projectId, deps, rows);
      const cycle = await findCycle(tx, id, deps);
      if (cycle) throw new InvalidArgumentError("depends_on", `would close the dependency cycle ${cycle.join(" -> ")}`);
      await tx.execute(`delete from job_dependency where job_id = ?`, [id]);
      if (deps.length > 0) {
        await tx.execute(`insert into job_dependency (job_id, depends_on_id) select ?, unnest(array[?]::bigint[])`, [id, deps]);
      }
      const unmet = [...statuses.values()].filter((s) => s !== "completed").length;
      const blocked = [...statuses.values()].some((s) => s === "failed" || s === "cancelled" || s === "blocked");
      const next: JobStatusValue = blocked ? "blocked" : "pending";
      sets.push(`unmet_dependencies = ?`, `status = ?`);
      params.push(unmet, next);
      nextStatus = next;
    }
    if (sets.length > 0) await tx.execute(`update job set ${sets.join(", ")}, updated_at = now() where id = ?`, [...params, id]);
    // Dependents follow the job's new status (after it is stored: unblocking checks it).
    if (nextStatus !== current.status) {
      if (nextStatus === "blocked") changes.push(...(await blockDependents(tx, [id])));
      else changes.push(...(await unblockJobs(tx, await blockedDependentsOf(tx, [id]))));
    }
    const job = await getJob(tx, id);
    changes.unshift({ projectId: job.projectId, jobId: id, type: "updated", status: job.status });
    return { job, changes };
  });
  await publish(events, changes);
  return job;
}

/**
 * Deletes a job that no worker holds. Its dependents lose the dependency
 * rather than being blocked by it: the deleted job no longer constrains them,
 * so their unmet counter drops if it was not COMPLETED, and a dependent that
 * was BLOCKED only because of it becomes PENDING (transitively).
 */
export async function deleteJob(em: SqlDatabase, events: QueueEvents, id: number): Promise<void> {
  const changes = await em.transactional(async (tx) => {
    const current = await lockJob(tx, id);
    if (current.status === "queued" || current.status === "running") {
      throw new FailedPreconditionError(`job ${id} is ${current.status.toUpperCase()} and cannot be deleted: cancel it first`);
    }
    const { blockedCandidates, released } = await detachDependents(tx, [id]);
    await tx.execute(`delete from job where id = ?`, [id]);
    const unblocked = await unblockJobs(tx, blockedCandidates);
    return [{ projectId: current.projectId, jobId: id, type: "deleted" as const }, ...released, ...unblocked];
  });
  await publish(events, changes);
}

/** Why a guarded update touched no row: NotFound, or the transition refused naming both statuses. */
async function explainRefusal(em: SqlDatabase, id: number, to: JobStatusValue, allowedFrom: readonly JobStatusValue[]): Promise<never> {
  const rows: SqlRow[] = await em.execute(
    `select status, worker_id, (cancel_requested and lease_expires_at > now()) as stopping from job where id = ?`,
    [id],
  );
  if (rows.length === 0) throw new NotFoundError("job", id);
  const from = rows[0]!.status as JobStatusValue;
  if (!allowedFrom.includes(from)) throw new IllegalTransitionError(id, from, to);
  if (rows[0]!.stopping) {
    throw new IllegalTransitionError(id, from, to, `worker ${JSON.stringify(rows[0]!.worker_id)} is still stopping it; retry once it has acknowledged the cancel or its lease has expired`);
  }
  const bad: SqlRow[] = await em.execute(
    `select p.id, p.status from job_dependency d join job p on p.id = d.depends_on_id where d.job_id = ? and p.status in ${BLOCKING} order by p.id limit 1`,
    [id],
  );
  if (bad.length > 0) {
    throw new IllegalTransitionError(id, from, to, `its dependency job ${Number(bad[0]!.id)} is ${String(bad[0]!.status).toUpperCase()}; retry or delete that one first`);
  }
  throw new FailedPreconditionError(`job ${id} changed while being updated; try again`);
}

/**
 * Returns a FAILED, BLOCKED or CANCELLED job to PENDING with its attempts reset,
 * so it may run max_attempts times again, then unblocks its dependents that
 * were BLOCKED only because of it, transitively. A job whose own dependencies
 * are still FAILED, CANCELLED or BLOCKED is refused (it would only be blocked
 * again): retry the dependency first. A cancelled job whose worker has not yet
 * stopped it (cancel_requested, lease still running) is refused too, so that
 * one job never runs twice at once; a dead worker's lease runs out and frees it.
 */
export async function retryJob(em: SqlDatabase, events: QueueEvents, id: number): Promise<{ job: JobRow; unblocked: number[] }> {
  const allowed: JobStatusValue[] = ["failed", "blocked", "cancelled"];
  const result = await em.transactional(async (tx) => {
    const rows: SqlRow[] = await tx.execute(
      `update job j set status = 'pending', attempts = 0, not_before = null, lease_expires_at = null, cancel_requested = false,
              finished_at = null, updated_at = now()
       where j.id = ? and j.status in ('failed', 'blocked', 'cancelled')
         and not (j.cancel_requested and j.lease_expires_at > now())
         and not exists (select 1 from job_dependency d join job p on p.id = d.depends_on_id where d.job_id = j.id and p.status in ${BLOCKING})
       returning j.id, j.project_id`,
      [id],
    );
    if (rows.length === 0) return null;
    const unblocked = await unblockJobs(tx, await blockedDependentsOf(tx, [id]));
    const job = await getJob(tx, id);
    return { job, changes: [{ projectId: job.projectId, jobId: id, type: "updated" as const, status: job.status }, ...unblocked], unblocked };
  });
  if (!result) return explainRefusal(em, id, "pending", allowed);
  await publish(events, result.changes);
  return { job: result.job, unblocked: result.unblocked.map((c) => c.jobId) };
}

/**
 * Cancels a job that has not finished. A QUEUED or RUNNING job is marked
 * cancel_requested so that its worker's next Heartbeat returns it; the job is
 * CANCELLED at once and its dependents are BLOCKED (transitively).
 */
export async function cancelJob(
  em: SqlDatabase,
  events: QueueEvents,
  id: number,
  reason: string,
): Promise<{ job: JobRow; blocked: number[] }> {
  const allowed: JobStatusValue[] = ["pending", "queued", "running", "blocked"];
  const result = await em.transactional(async (tx) => {
    const rows: SqlRow[] = await tx.execute(
      `update job set status = 'cancelled', cancel_requested = status in ('queued', 'running'),
              message = case when ? = '' then message else ? end, finished_at = now(), updated_at = now()
       where id = ? and status in ('pending', 'queued', 'running', 'blocked')
       returning id, project_id`,
      [reason, reason, id],
    );
    if (rows.length === 0) return null;
    const blocked = await blockDependents(tx, [id]);
    const job = await getJob(tx, id);
    return { job, changes: [{ projectId: job.projectId, jobId: id, type: "updated" as const, status: job.status }, ...blocked], blocked };
  });
  if (!result) return explainRefusal(em, id, "cancelled", allowed);
  await publish(events, result.changes);
  return { job: result.job, blocked: result.blocked.map((c) => c.jobId) };
}

/** A dependency of a job with its current status. */
export interface DependencyState {
  id: number;
  name: string;
  status: JobStatusValue;
}

/** The job's dependencies in id order, NotFound when the job does not exist. */
export async function getJobDependencies(em: SqlExecutor, id: number): Promise<DependencyState[]> {
  const rows: SqlRow[] = await em.execute(
    `select p.id, p.name, p.status from job j left join job_dependency d on d.job_id = j.id left join job p on p.id = d.depends_on_id
     where j.id = ? order by p.id`,
    [id],
  );
  if (rows.length === 0) throw new NotFoundError("job", id);
  return rows.filter((r) => r.id !== null).map((r) => ({ id: Number(r.id), name: String(r.name), status: r.status as JobStatusValue }));
}

/**
 * Deletes the project's PENDING jobs in one statement and returns how many.
 * Jobs being claimed at that moment are skipped (they are no longer PENDING).
 * Surviving dependents lose the deleted dependencies as with DeleteJob; a
 * PENDING job never blocks anyone, so nothing needs unblocking.
 */
export async function clearQueue(em: SqlExecutor, events: QueueEvents, projectId: number): Promise<number> {
  await requireProject(em, projectId);
  const rows: SqlRow[] = await em.execute(
    `with doomed as (
       select id from job where project_id = ? and status = 'pending' for update skip locked
     ), lost as (
       select d.job_id, count(*)::int as n from job_dependency d
       where d.depends_on_id in (select id from doomed) and d.job_id not in (select id from doomed)
       group by d.job_id
     ), upd as (
       update job j set unmet_dependencies = greatest(j.unmet_dependencies - (select n from lost where lost.job_id = j.id), 0), updated_at = now()
       where j.id = any(array(select job_id from lost))
       returning j.id, j.status, j.unmet_dependencies
     ), del as (
       delete from job where id in (select id from doomed) returning id
     )
     select 'deleted' as kind, id, null as status, 0 as unmet from del
     union all select 'updated', id, status, unmet_dependencies from upd`,
    [projectId],
  );
  const changes: JobChange[] = [];
  let deleted = 0;
  for (const r of rows) {
    if (r.kind === "deleted") {
      deleted++;
      changes.push({ projectId, jobId: Number(r.id), type: "deleted" });
    } else if (r.status === "pending" && Number(r.unmet) === 0) {
      changes.push({ projectId, jobId: Number(r.id), type: "updated", status: "pending" });
    }
  }
  await publish(events, changes);
  return deleted;
}

/** Counts per status and worker counts for a project's dashboard. */
export interface QueueStats {
  byStatus: Record<JobStatusValue, number>;
  total: number;
  activeWorkers: number;
  registeredWorkers: number;
}

/** One grouped query over the project's jobs and one over workers (workers are not per project). */
export async function getQueueStats(em: SqlExecutor, projectId: number): Promise<QueueStats> {
  await requireProject(em, projectId);
  const rows: SqlRow[] = await em.execute(`select status, count(*)::int as n from job where project_id = ? group by status`, [projectId]);
  const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatusValue, number>;
  let total = 0;
  for (const r of rows) {
    byStatus[r.status as JobStatusValue] = Number(r.n);
    total += Number(r.n);
  }
  const workers: SqlRow[] = await em.execute(`select count(*) filter (where active)::int as active, count(*)::int as registered from worker`);
  return { byStatus, total, activeWorkers: Number(workers[0]!.active), registeredWorkers: Number(workers[0]!.registered) };
}

/** Throws NotFound unless the project exists (WatchJobs checks after subscribing). */
export async function requireProjectExists(em: SqlExecutor, projectId: number): Promise<void> {
  await requireProject(em, projectId);
}

/** Reads a job for a watcher; null when it is gone by now. */
export async function findJob(em: SqlExecutor, id: number): Promise<JobRow | null> {
  const rows: SqlRow[] = await em.execute(`select ${JOB_COLUMNS} ${FROM_JOB} where j.id = ?`, [id]);
  return rows.length === 0 ? null : jobRowFromSql(rows[0]!);
}
