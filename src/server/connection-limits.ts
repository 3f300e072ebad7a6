import type http2 from "node:http2";
import type net from "node:net";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import type { ServerConfig } from "../config.js";

/**
 * How long a connection may go without doing work, and how many may be open:
 * a client that connects and sends nothing, half a request, or only the
 * HTTP/2 preface would otherwise hold a socket (and its memory) for ever.
 * "Work" is a call in progress, not traffic: a long-poll FetchJob or a
 * WatchJobs stream keeps its connection however quiet it is, and pings on an
 * idle HTTP/2 connection do not.
 */
export interface ConnectionLimits {
  /** Time to the end of the TLS handshake and of the first request's headers (each request's, on HTTP/1.1). */
  readonly headersMs: number;
  /** Time a connection may stay with no call in progress. */
  readonly idleMs: number;
  readonly maxConnections: number;
}

export function connectionLimitsOf(config: ServerConfig): ConnectionLimits {
  return { headersMs: config.WHATSNEXT_HEADERS_TIMEOUT_MS, idleMs: config.WHATSNEXT_IDLE_TIMEOUT_MS, maxConnections: config.WHATSNEXT_MAX_CONNECTIONS };
}

/**
 * Node's own HTTP/1.1 timeouts, for http.createServer and for the HTTP/1.1
 * side of http2.createSecureServer (which reads the same properties). Node
 * closes a connection whose request headers are late (headersTimeout,
 * checked every connectionsCheckingInterval) and a kept-alive connection
 * idle between requests (keepAliveTimeout); a request in progress has no
 * idle limit (server.timeout stays 0), so a long poll is never cut.
 * requestTimeout (the whole request, body included) keeps Node's five
 * minutes, which it requires to be no less than headersTimeout.
 */
export function http1Timeouts(limits: ConnectionLimits) {
  return {
    headersTimeout: limits.headersMs,
    requestTimeout: Math.max(300_000, limits.headersMs),
    keepAliveTimeout: limits.idleMs,
    connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(limits.headersMs / 4))),
  };
}

/**
 * Runs `close` after `ms` unless cancelled, once the I/O already waiting has
 * been read: on a busy event loop, timers run before pending reads, and a
 * request that arrived in time must not be judged late.
 */
function afterPendingReads(ms: number, close: () => void): () => void {
  let cancelled = false;
  const timer = setTimeout(() => setImmediate(() => cancelled || close()), ms);
  timer.unref();
  return () => {
    cancelled = true;
    clearTimeout(timer);
  };
}

/**
 * Closes an HTTP/2 session (with GOAWAY, so clients reconnect without
 * failing a call) that opens no stream within the headers timeout, or that
 * has had no stream open for the idle timeout. A peer that does not read the
 * GOAWAY is cut after one more headers timeout.
 */
export function closeSessionWhenIdle(session: http2.ServerHttp2Session, limits: ConnectionLimits): void {
  let open = 0;
  const idleClose = () => {
    if (open > 0 || session.closed || session.destroyed) return;
    session.close();
    setTimeout(() => session.destroy(), limits.headersMs).unref();
  };
  let cancel = afterPendingReads(limits.headersMs, idleClose);
  session.on("stream", (stream: http2.ServerHttp2Stream) => {
    open++;
    cancel();
    stream.once("close", () => {
      open--;
      if (open === 0 && !session.closed) cancel = afterPendingReads(limits.idleMs, idleClose);
    });
  });
  session.once("close", () => cancel());
}

/**
 * Destroys a cleartext socket that sends no byte within the headers timeout,
 * while the first-bytes sniffer still holds it (neither HTTP server has it
 * yet, so neither's timeouts apply). Returns what to call once it is handed on.
 */
export function destroyIfSilent(socket: net.Socket, limits: ConnectionLimits): () => void {
  const cancel = afterPendingReads(limits.headersMs, () => socket.destroy());
  socket.once("close", cancel);
  return cancel;
}

/**
 * Caps the listener's open connections (net.Server.maxConnections: one more
 * is closed as soon as it is accepted, before any byte is read or any TLS
 * handshake), counts them in the metrics, and logs refusals at most every
 * ten seconds so that a flood does not flood the log too.
 */
export function limitConnections(listener: net.Server, limits: ConnectionLimits, metrics: Registry, logger: Logger): void {
  listener.maxConnections = limits.maxConnections;
  let openConnections = 0;
  new Gauge({ name: "whatsnext_connections_open", help: "Client connections open now", registers: [metrics], collect() { this.set(openConnections); } });
  const refused = new Counter({ name: "whatsnext_connections_refused_total", help: "Connections closed on accept because WHATSNEXT_MAX_CONNECTIONS were open", registers: [metrics] });
  listener.on("connection", (socket: net.Socket) => {
    openConnections++;
    socket.once("close", () => openConnections--);
  });
  let unlogged = 0;
  let loggedAt = 0;
  listener.on("drop", (peer?: { remoteAddress?: string }) => {
    refused.inc();
    unlogged++;
    if (Date.now() - loggedAt < 10_000) return;
    logger.warn({ refused: unlogged, limit: limits.maxConnections, peer: peer?.remoteAddress }, "connection limit reached: refusing new connections (WHATSNEXT_MAX_CONNECTIONS)");
    loggedAt = Date.now();
    unlogged = 0;
  });
}
