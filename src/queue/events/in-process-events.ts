import type { JobWake } from "./job-wake.js";
import type { LocalBus } from "./local-bus.js";
import type { JobChange, QueueEvents, WaiterCapacity } from "./queue-events.js";

/** The embedded database: one process, so the local bus is the whole story. */
export class InProcessEvents implements QueueEvents {
  constructor(private readonly bus: LocalBus) {}
  async jobsChanged(changes: readonly JobChange[]): Promise<void> {
    this.bus.dispatch(changes);
  }
  waitForWork(projectId: number, timeoutMs: number, signal: AbortSignal, capacity?: WaiterCapacity): Promise<void> {
    return this.bus.waitForWork(projectId, timeoutMs, signal, capacity);
  }
  watch(projectId: number, signal: AbortSignal): AsyncIterable<JobChange> {
    return this.bus.watch(projectId, signal);
  }
  async outputAppended(jobIds: readonly number[]): Promise<void> {
    this.bus.pokeJobs(jobIds);
  }
  wakeOnJob(jobId: number, signal: AbortSignal): JobWake {
    return this.bus.wakeOnJob(jobId, signal);
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.bus.close();
  }
}

