import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ServerModule } from "./app.js";

/**
 * Prometheus metrics at GET /metrics (behind a key when authentication is on,
 * unless WHATSNEXT_METRICS_PUBLIC): calls by method and code, their
 * latency, and the process's own figures (other modules add theirs to the
 * same registry). Each server has its own registry, so tests that run several
 * servers in one process do not share counters.
 */
export function metricsModule(
  registry: Registry,
  mayRead: (req: import("node:http").IncomingMessage | import("node:http2").Http2ServerRequest) => Promise<boolean>,
): ServerModule {
  collectDefaultMetrics({ register: registry });
  const calls = new Counter({
    name: "whatsnext_rpc_calls_total",
    help: "RPCs answered, by method and status code",
    labelNames: ["method", "code"] as const,
    registers: [registry],
  });
  const seconds = new Histogram({
    name: "whatsnext_rpc_duration_seconds",
    help: "Time to answer an RPC (to the first message for streams)",
    labelNames: ["method"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 60],
    registers: [registry],
  });
  const interceptor: Interceptor = (next) => async (req) => {
    const method = `${req.service.typeName}/${req.method.name}`;
    const stop = seconds.startTimer({ method });
    try {
      const res = await next(req);
      calls.inc({ method, code: "ok" });
      return res;
    } catch (err) {
      calls.inc({ method, code: codeName(err) });
      throw err;
    } finally {
      stop();
    }
  };
  return {
    name: "metrics",
    interceptors: [interceptor],
    http(req, res) {
      if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") return false;
      mayRead(req)
        .then(async (allowed) => {
          if (!allowed) {
            res.writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": "Bearer" });
            res.end("/metrics needs a valid key (authorization: Bearer <key>, any role), or WHATSNEXT_METRICS_PUBLIC=true on the server\n");
            return;
          }
          const body = await registry.metrics();
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(body);
        })
        .catch(() => {
          res.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
          res.end("metrics are unavailable right now (the key could not be checked); try again\n");
        });
      return true;
    },
  };
}

function codeName(err: unknown): string {
  return err instanceof ConnectError ? String(err.code) : "unknown";
}
