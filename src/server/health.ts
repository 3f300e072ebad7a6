import { EventEmitter, on } from "node:events";
import { create } from "@bufbuild/protobuf";
import { linkedSignal } from "../abort.js";
import type { QueryObserver } from "../db/executor.js";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
} from "../../gen/health/v1/health_pb.js";

/**
 * Tracks whether the database answers, as calls see it: every statement tells
 * it whether the database was reached (QueryObserver), so a failed query marks
 * the server NOT_SERVING at once and the next one that succeeds marks it
 * SERVING again. A ping fills the silence between calls: on an interval while
 * serving, and more often while not, so recovery is noticed without traffic.
 */
export class DatabaseHealth extends EventEmitter<{ change: [Status] }> implements QueryObserver {
  private status: Status = Status.NOT_SERVING;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ping: (() => Promise<void>) | undefined;

  constructor(
    private readonly intervalMs = 2000,
    private readonly timeoutMs = 2000,
    private readonly recoveryIntervalMs = 250,
  ) {
    super();
    // Every Health/Watch stream listens for changes; there may be many.
    this.setMaxListeners(0);
  }

  get current(): Status {
    return this.status;
  }

  /** A statement was answered by the database. */
  reached(): void {
    if (!this.stopped) this.set(Status.SERVING);
  }

  /** The database could not be reached. */
  unreachable(): void {
    if (!this.stopped) this.set(Status.NOT_SERVING);
  }

  /** Pings now and then on the interval (faster while NOT_SERVING). */
  async start(ping: () => Promise<void>): Promise<void> {
    this.ping = ping;
    await this.check();
    const loop = async () => {
      await this.check();
      if (!this.stopped) this.timer = setTimeout(loop, this.status === Status.SERVING ? this.intervalMs : this.recoveryIntervalMs).unref();
    };
    this.timer = setTimeout(loop, this.status === Status.SERVING ? this.intervalMs : this.recoveryIntervalMs).unref();
  }

  /** Pings once and updates the status. */
  async check(): Promise<Status> {
    const ping = this.ping;
    if (!ping) return this.status;
    let timeout: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(false), this.timeoutMs))),
    ]);
    clearTimeout(timeout);
    if (!this.stopped) this.set(ok ? Status.SERVING : Status.NOT_SERVING);
    return this.status;
  }

  /** Marks the server NOT_SERVING for good, as shutdown begins. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.set(Status.NOT_SERVING);
  }

  private set(status: Status): void {
    if (status === this.status) return;
    this.status = status;
    this.emit("change", status);
  }
}

/**
 * grpc.health.v1.Health: "" and each served service share the database's status.
 * Watch streams end (after their last NOT_SERVING) as soon as `shutdown` fires, so
 * they never hold a graceful shutdown open until its grace period runs out.
 */
export function registerHealth(router: ConnectRouter, health: DatabaseHealth, serviceNames: readonly string[], shutdown?: AbortSignal): void {
  const known = new Set(["", ...serviceNames]);
  const assertKnown = (service: string) => {
    if (!known.has(service)) throw new ConnectError(`unknown service ${JSON.stringify(service)}`, Code.NotFound);
  };
  router.service(Health, {
    check(req) {
      assertKnown(req.service);
      return create(HealthCheckResponseSchema, { status: health.current });
    },
    async *watch(req, ctx) {
      if (!known.has(req.service)) {
        // The health protocol answers Watch of an unknown service with SERVICE_UNKNOWN, not an error.
        yield create(HealthCheckResponseSchema, { status: Status.SERVICE_UNKNOWN });
        return;
      }
      yield create(HealthCheckResponseSchema, { status: health.current });
      if (shutdown?.aborted) return;
      const linked = linkedSignal(ctx.signal, ...(shutdown ? [shutdown] : []));
      const signal = linked.signal;
      try {
        // Changes already emitted are yielded before the abort ends the loop, so the last word is NOT_SERVING.
        for await (const [status] of on(health, "change", { signal })) {
          yield create(HealthCheckResponseSchema, { status: status as Status });
        }
      } catch (err) {
        if (!signal.aborted) throw err;
      } finally {
        linked.dispose();
      }
    },
    list() {
      return create(HealthListResponseSchema, {
        statuses: Object.fromEntries([...known].map((name) => [name, create(HealthCheckResponseSchema, { status: health.current })])),
      });
    },
  });
}
