/** A registered worker process. */
export interface Worker {
  id: string;
  name: string;
  entity: string;
  description: string;
  /** Null when the worker did not report it (then it is not filtered on). */
  availableCpu: number | null;
  availableAccelerators: number | null;
  lastHeartbeatAt: Date;
  active: boolean;
  createdAt: Date;
}

/** A worker and the jobs it holds a lease on (QUEUED or RUNNING). */
export interface WorkerWithJobs {
  worker: Worker;
  jobIds: number[];
}
