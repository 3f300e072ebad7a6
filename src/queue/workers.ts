import { randomUUID } from "node:crypto";
import type { SqlDatabase, SqlExecutor } from "../db/sql.js";
import type { Worker } from "../db/entities/index.js";
import { NotFoundError } from "./errors.js";
import type { QueueEvents } from "./events.js";
import { dateFromSql, type SqlRow } from "./job-row.js";
import { extendLeases, type HeartbeatOutcome } from "./sql/extend-leases.js";
import { releaseWorkerJobs } from "./sql/release-jobs.js";

/** What a worker says about itself; resources null mean "not reported". */
export interface WorkerInput {
  /** Empty: the server picks one. */
  id: string;
  name: string;
  entity: string;
  description: string;
  availableCpu: number | null;
  availableAccelerators: number | null;
}

/** A worker and the jobs it holds a lease on (QUEUED or RUNNING). */
export interface WorkerWithJobs {
  worker: Worker;
  jobIds: number[];
}

function workerFromSql(r: SqlRow): Worker {
  return {
    id: String(r.id),
    name: String(r.name),
    entity: String(r.entity),
    description: String(r.description),
    availableCpu: r.available_cpu === null ? null : Number(r.available_cpu),
    availableAccelerators: r.available_accelerators === null ? null : Number(r.available_accelerators),
    lastHeartbeatAt: dateFromSql(r.last_heartbeat_at) ?? new Date(0),
    active: r.active === true || r.active === "t",
    createdAt: dateFromSql(r.created_at) ?? new Date(0),
  };
}

/**
 * Creates the worker or, when the id exists, updates its fields and
 * reactivates it: a restarted worker keeps its id and its history.
 */
export async function registerWorker(em: SqlExecutor, input: WorkerInput): Promise<WorkerWithJobs> {
  const id = input.id || `w-${randomUUID()}`;
  const rows: SqlRow[] = await em.execute(
    `insert into worker (id, name, entity, description, available_cpu, available_accelerators, last_heartbeat_at, active)
     values (?, ?, ?, ?, ?, ?, now(), true)
     on conflict (id) do update set name = excluded.name, entity = excluded.entity, description = excluded.description,
       available_cpu = excluded.available_cpu, available_accelerators = excluded.available_accelerators,
       last_heartbeat_at = now(), active = true
     returning *`,
    [id, input.name, input.entity, input.description, input.availableCpu, input.availableAccelerators],
  );
  return { worker: workerFromSql(rows[0]!), jobIds: await heldJobIds(em, id) };
}

async function heldJobIds(em: SqlExecutor, workerId: string): Promise<number[]> {
  const rows: SqlRow[] = await em.execute(`select id from job where worker_id = ? and status in ('queued', 'running') order by id`, [workerId]);
  return rows.map((r) => Number(r.id));
}

export async function getWorker(em: SqlExecutor, id: string): Promise<WorkerWithJobs> {
  const rows: SqlRow[] = await em.execute(`select * from worker where id = ?`, [id]);
  if (!rows[0]) throw new NotFoundError("worker", id);
  return { worker: workerFromSql(rows[0]), jobIds: await heldJobIds(em, id) };
}

/** Workers in id order after the cursor; limit + 1 rows so the caller can tell if more follow. */
export async function listWorkers(em: SqlExecutor, opts: { includeInactive: boolean; afterId: string | undefined; limit: number }): Promise<WorkerWithJobs[]> {
  const rows: SqlRow[] = await em.execute(
    `select w.*, coalesce((select array_agg(j.id order by j.id) from job j where j.worker_id = w.id and j.status in ('queued', 'running')), '{}') as job_ids
     from worker w
     where w.id > ? ${opts.includeInactive ? "" : "and w.active"}
     order by w.id limit ?`,
    [opts.afterId ?? "", opts.limit + 1],
  );
  return rows.map((r) => ({ worker: workerFromSql(r), jobIds: (r.job_ids as unknown[]).map(Number) }));
}

/** Keeps the worker alive and its leases with it; see extendLeases. */
export async function heartbeat(em: SqlExecutor, workerId: string, leaseSeconds: number): Promise<HeartbeatOutcome> {
  const outcome = await extendLeases(em, workerId, leaseSeconds);
  if (!outcome.workerFound) throw new NotFoundError("worker", workerId);
  return outcome;
}

/**
 * Marks the worker inactive and gives its jobs back to the queue without
 * using an attempt (it stops on purpose, it did not crash). Returns the
 * worker and the ids of the jobs released.
 */
export async function deactivateWorker(em: SqlDatabase, events: QueueEvents, id: string): Promise<{ worker: Worker; releasedJobIds: number[] }> {
  const result = await em.transactional(async (tx) => {
    const rows: SqlRow[] = await tx.execute(`update worker set active = false where id = ? returning *`, [id]);
    if (!rows[0]) throw new NotFoundError("worker", id);
    const released = await releaseWorkerJobs(tx, id, `released: worker ${id} was deactivated`);
    return { worker: workerFromSql(rows[0]), released };
  });
  await events.jobsChanged(result.released.map((j) => ({ projectId: j.projectId, jobId: j.id, type: "updated", status: "pending" })));
  return { worker: result.worker, releasedJobIds: result.released.map((j) => j.id) };
}

/** Releases the worker's jobs (as deactivateWorker does), then deletes it; finished jobs keep no reference to it. */
export async function deleteWorker(em: SqlDatabase, events: QueueEvents, id: string): Promise<void> {
  const released = await em.transactional(async (tx) => {
    const rows: SqlRow[] = await tx.execute(`select id from worker where id = ? for update`, [id]);
    if (!rows[0]) throw new NotFoundError("worker", id);
    const jobs = await releaseWorkerJobs(tx, id, `released: worker ${id} was deleted`);
    await tx.execute(`delete from worker where id = ?`, [id]);
    return jobs;
  });
  await events.jobsChanged(released.map((j) => ({ projectId: j.projectId, jobId: j.id, type: "updated", status: "pending" })));
}
