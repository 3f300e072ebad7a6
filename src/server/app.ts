import type { Interceptor, ConnectRouter } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { ServerConfig } from "../config.js";
import type { Registry } from "prom-client";
import type { Database } from "../db/database.js";

/**
 * What the parts of a running server share: configuration, the root logger,
 * the database and the metrics registry. Built once in server.ts and passed
 * explicitly.
 */
export interface App {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly db: Database;
  /** Aborted when shutdown begins, so long polls and watch streams end at once. */
  readonly shutdown: AbortSignal;
  /** This server's Prometheus registry (served at /metrics); modules add their own gauges. */
  readonly metrics: Registry;
}

/**
 * A feature that plugs into the server: its services, its interceptors and
 * its background work (reapers, listeners), started and stopped with it.
 */
export interface ServerModule {
  readonly name: string;
  /** Registers the module's services. */
  routes?(router: ConnectRouter): void;
  /** Interceptors, placed after request logging and before error mapping, in module order. */
  interceptors?: readonly Interceptor[];
  /** Called once the database is open, before the listener accepts calls. */
  start?(): Promise<void>;
  /** Called after the listener stopped and in-flight calls ended, before the database closes. */
  stop?(): Promise<void>;
  /** Handles a plain HTTP request (e.g. /metrics, CORS preflight) before Connect sees it; true when answered. */
  http?(req: import("node:http").IncomingMessage | import("node:http2").Http2ServerRequest, res: import("node:http").ServerResponse | import("node:http2").Http2ServerResponse): boolean;
}
