import { EventEmitter, on } from "node:events";
import { create } from "@bufbuild/protobuf";
import { linkedSignal } from "../abort.js";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponse_ServingStatus as Status,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
} from "../../gen/health/v1/health_pb.js";

/**
 * Tracks whether the database answers, by pinging it on an interval. The
 * server is SERVING only while the last ping succeeded.
 */
export class DatabaseHealth extends EventEmitter<{ change: [Status] }> {
  private status: Status = Status.NOT_SERVING;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly ping: () => Promise<void>,
    private readonly intervalMs = 2000,
    private readonly timeoutMs = 2000,
  ) {
    super();
    // Every Health/Watch stream listens for changes; there may be many.
    this.setMaxListeners(0);
  }

  get current(): Status {
    return this.status;
  }

  /** Pings now and then on the interval. */
  async start(): Promise<void> {
    await this.check();
    const loop = async () => {
      await this.check();
      if (!this.stopped) this.timer = setTimeout(loop, this.intervalMs).unref();
    };
    this.timer = setTimeout(loop, this.intervalMs).unref();
  }

  /** Pings once and updates the status. */
  async check(): Promise<Status> {
    let timeout: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      this.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(false), this.timeoutMs))),
    ]);
    clearTimeout(timeout);
    this.set(ok ? Status.SERVING : Status.NOT_SERVING);
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
