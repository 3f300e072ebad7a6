/** A registered worker process. */
export interface Worker {
  id: string;
  name: string;
  entity: string;
  description: string;
  /** The host it said it runs on. */
  host: string;
  /** Null when the worker did not report it (then it is not filtered on). */
  availableCpu: number | null;
  availableAccelerators: number | null;
  lastHeartbeatAt: Date;
  active: boolean;
  createdAt: Date;
  /** Who registered it (key name or certificate identity); null when authentication is off. */
  principal: string | null;
  /** Set by DeactivateWorker: the worker must register again before it may fetch or heartbeat. */
  deactivatedAt: Date | null;
}

/** A worker and the jobs it holds a lease on (QUEUED or RUNNING). */
export interface WorkerWithJobs {
  worker: Worker;
  jobIds: number[];
}
