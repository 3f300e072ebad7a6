import type { WhatsNextClient } from "../client/connect.js";
import { describeError } from "./reporting-call.js";

/**
 * Heartbeats on an interval while the worker runs: each keeps the worker's
 * leases alive and names the jobs cancelled on the server, which the worker
 * then stops. A failed heartbeat is reported and the next one tried on time.
 */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly client: WhatsNextClient,
    private readonly workerId: string,
    private readonly intervalMs: number,
    private readonly handlers: {
      /** The jobs this worker runs now: only their leases are extended; the server releases any other it holds for us. */
      running(): bigint[];
      cancelled(jobIds: readonly bigint[]): void;
      failed(message: string): void;
    },
  ) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    this.timer = setTimeout(async () => {
      try {
        const res = await this.client.workers.heartbeat({ workerId: this.workerId, running: { ids: this.handlers.running() } });
        if (res.cancelledJobIds.length > 0) this.handlers.cancelled(res.cancelledJobIds);
      } catch (err) {
        this.handlers.failed(`Heartbeat failed: ${describeError(err)}`);
      }
      if (this.running) this.schedule();
    }, this.intervalMs);
  }
}
