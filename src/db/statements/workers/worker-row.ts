import type { Worker, WorkerWithJobs } from "../../../domain/worker.js";

/** A worker row with the ids of the jobs it holds, as the worker statements select it. */
export interface WorkerSqlRow {
  id: string;
  name: string;
  entity: string;
  description: string;
  host: string;
  available_cpu: number | null;
  available_accelerators: number | null;
  last_heartbeat_at: Date;
  active: boolean;
  created_at: Date;
  principal: string | null;
  deactivated_at: Date | null;
  job_ids: number[];
}

/** The select list of a worker with the ids of its QUEUED and RUNNING jobs (through job_worker_idx). */
export const WORKER_COLUMNS = `w.*, coalesce((select array_agg(j.id order by j.id) from job j where j.worker_id = w.id and j.status in ('queued', 'running')), '{}') as job_ids`;

export function workerFromRow(r: WorkerSqlRow): WorkerWithJobs {
  const worker: Worker = {
    id: r.id,
    name: r.name,
    entity: r.entity,
    description: r.description,
    host: r.host,
    availableCpu: r.available_cpu,
    availableAccelerators: r.available_accelerators,
    lastHeartbeatAt: r.last_heartbeat_at,
    active: r.active,
    createdAt: r.created_at,
    principal: r.principal,
    deactivatedAt: r.deactivated_at,
  };
  return { worker, jobIds: r.job_ids ?? [] };
}
