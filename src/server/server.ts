import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { createContextValues, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { DescFile } from "@bufbuild/protobuf";
import type { Logger } from "pino";
import { Registry } from "prom-client";
import type { ServerConfig } from "../config.js";
import { openDatabase } from "../db/database.js";
import { errorMappingInterceptor } from "../interceptors/error-mapping.js";
import { requestLoggingInterceptor } from "../interceptors/request-logging.js";
import type { App, ServerModule } from "./app.js";
import { peerKey, requestIdKey } from "./context.js";
import { Health } from "../../gen/health/v1/health_pb.js";
import { ServerReflection as ReflectionV1 } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ReflectionV1Alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { closeSessionWhenIdle, connectionLimitsOf, destroyIfSilent, http1Timeouts, limitConnections, type ConnectionLimits } from "./connection-limits.js";
import { answerEarlyErrorsLikeOthers } from "./early-errors.js";
import { encodeGrpcMessagesMinimally } from "./grpc-message-encoding.js";
import { DatabaseHealth, registerHealth } from "./health.js";
import { peerOf } from "./peer.js";
import { serverModules } from "./modules.js";
import { DescriptorIndex, registerReflection } from "./reflection.js";
import { strictUtf8Decoder } from "./strict-utf8.js";

/** A listening server. */
export interface RunningServer {
  readonly app: App;
  /** Base URL clients use, e.g. http://127.0.0.1:50051. */
  readonly url: string;
  readonly port: number;
  readonly health: DatabaseHealth;
  /** Stops accepting, lets in-flight calls finish (up to graceMs), stops modules, closes the database. */
  close(graceMs?: number): Promise<void>;
}

// The first bytes of an HTTP/2 connection with prior knowledge (RFC 9113 §3.4).
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** Starts the database, the modules and the listener. */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const started = performance.now();
  // Health hears of every statement's outcome, so it follows what calls see.
  const health = new DatabaseHealth();
  const db = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.WHATSNEXT_DATA_DIR, logger, observer: health });
  const shutdown = new AbortController();
  const app: App = { config, logger, db, shutdown: shutdown.signal, metrics: new Registry() };
  const modules = serverModules(app);
  const startedModules: ServerModule[] = [];
  try {
    await health.start(async () => {
      await db.sql.query("select 1");
    });
    for (const m of modules) {
      await m.start?.();
      startedModules.push(m);
    }
  } catch (err) {
    await stopModules(startedModules, logger);
    health.stop();
    await db.close();
    throw err;
  }

  const servedFiles: DescFile[] = [];
  const serviceNames: string[] = [];
  const routes = (router: ConnectRouter) => {
    for (const m of modules) m.routes?.(router);
    for (const h of router.handlers) {
      if (!serviceNames.includes(h.service.typeName)) {
        serviceNames.push(h.service.typeName);
        servedFiles.push(h.service.file);
      }
    }
    registerHealth(router, health, serviceNames, shutdown.signal);
    registerReflection(
      router,
      new DescriptorIndex([...servedFiles, Health.file, ReflectionV1.file, ReflectionV1Alpha.file], [...serviceNames, Health.typeName, ReflectionV1.typeName, ReflectionV1Alpha.typeName]),
      new DescriptorIndex([Health.file], [Health.typeName]),
    );
    router.handlers.splice(0, router.handlers.length, ...router.handlers.map((h) => answerEarlyErrorsLikeOthers(h, logger)));
  };
  // Unknown JSON fields are ignored (connect-es's default, kept). connect-es reads JSON with a lenient UTF-8
  // decoder unless given one; the handler options' type omits the field its JSON parser reads.
  const jsonOptions = { ignoreUnknownFields: true, textDecoder: strictUtf8Decoder };

  const connectHandler = connectNodeAdapter({
    routes,
    readMaxBytes: config.WHATSNEXT_MAX_MESSAGE_BYTES,
    jsonOptions,
    // Error mapping runs innermost (so metrics and audit see codes) and again right inside logging, for the
    // interceptors' own errors (an authentication lookup that finds the database away is Unavailable too).
    interceptors: [requestLoggingInterceptor(logger), errorMappingInterceptor, ...modules.flatMap((m) => m.interceptors ?? []), errorMappingInterceptor],
    contextValues(req) {
      const incoming = req.headers["x-request-id"];
      // A caller's own request id is kept when it is short and printable, so logs can be joined across services.
      const requestId = typeof incoming === "string" && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
      return createContextValues()
        .set(requestIdKey, requestId)
        .set(peerKey, peerOf(req));
    },
  });

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    inFlight++;
    res.once("close", () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    // An error answered before the whole body was read (e.g. an oversized gRPC-Web envelope) leaves the rest of
    // the body on the wire, and Node stops reading the socket: the next call on that HTTP/1.1 connection would
    // hang. Once the answer is sent, the rest of the body is read and dropped, as Node does for unread bodies.
    if (!(req instanceof http2.Http2ServerRequest)) {
      const socket = req.socket;
      res.once("finish", () => {
        if (req.complete) return;
        (req as http.IncomingMessage & { _dump?(): void })._dump?.();
        socket.resume();
      });
    }
    // A URL is ASCII (RFC 3986). HTTP/1.1 refuses other bytes in the request line; HTTP/2 hands them over as
    // Latin-1, which would turn bytes that are not UTF-8 in a Connect GET's message into other text.
    if (/[^\x21-\x7e]/.test(req.url ?? "")) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "invalid_argument", message: "the request path must be ASCII: percent-encode other bytes" }));
      return;
    }
    for (const m of modules) if (m.http?.(req, res)) return;
    if (String(req.headers["content-type"] ?? "").startsWith("application/grpc")) encodeGrpcMessagesMinimally(res);
    connectHandler(req as http.IncomingMessage, res as http.ServerResponse);
  };

  const tls = config.WHATSNEXT_TLS_CERT_FILE !== "" && config.WHATSNEXT_TLS_KEY_FILE !== "";
  const limits = connectionLimitsOf(config);
  let listener: net.Server;
  const h2Sessions = new Set<http2.ServerHttp2Session>();
  let h1: http.Server | undefined;
  if (tls) {
    const clientCa = config.WHATSNEXT_TLS_CLIENT_CA_FILE;
    const secure = http2.createSecureServer(
      {
        cert: readFileSync(config.WHATSNEXT_TLS_CERT_FILE),
        key: readFileSync(config.WHATSNEXT_TLS_KEY_FILE),
        allowHTTP1: true,
        handshakeTimeout: limits.headersMs,
        ...(clientCa ? { ca: readFileSync(clientCa), requestCert: true, rejectUnauthorized: true } : {}),
      },
      handler,
    );
    // The HTTP/1.1 side of a secure HTTP/2 server reads Node's HTTP/1.1 timeouts from the server itself.
    Object.assign(secure, http1Timeouts(limits));
    secure.on("session", (s) => trackSession(h2Sessions, s, limits));
    listener = secure;
  } else {
    const h2 = http2.createServer({}, handler);
    h2.on("session", (s) => trackSession(h2Sessions, s, limits));
    h1 = http.createServer(http1Timeouts(limits), handler);
    // h1 never listens itself (the sniffer hands it sockets), but Node starts connection tracking on "listening":
    // without it closeIdleConnections/closeAllConnections do nothing and headersTimeout/requestTimeout never fire.
    h1.emit("listening");
    // HTTP/1.1 and HTTP/2 with prior knowledge share the port: the first bytes tell them apart.
    listener = net.createServer((socket) => {
      const handedOn = destroyIfSilent(socket, limits);
      socket.once("readable", function sniff() {
        const head: Buffer | null = socket.read(H2_PREFACE.length) ?? socket.read();
        if (head === null) {
          socket.once("readable", sniff);
          return;
        }
        handedOn();
        socket.unshift(head);
        const isH2 = head.length >= 3 && H2_PREFACE.subarray(0, Math.min(head.length, H2_PREFACE.length)).equals(head.subarray(0, Math.min(head.length, H2_PREFACE.length)));
        (isH2 ? h2 : h1!).emit("connection", socket);
      });
      socket.on("error", () => socket.destroy());
    });
  }

  limitConnections(listener, limits, app.metrics, logger);

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(config.WHATSNEXT_PORT, config.WHATSNEXT_HOST, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const address = listener.address() as net.AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `${tls ? "https" : "http"}://${host}:${address.port}`;
  logger.info({ url, database: db.kind, startupMs: Math.round(performance.now() - started) }, "whatsnext serving");

  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    port: address.port,
    health,
    close(graceMs = 10_000) {
      closing ??= (async () => {
        health.stop();
        shutdown.abort();
        listener.close();
        for (const s of h2Sessions) s.close();
        h1?.closeIdleConnections();
        const graceOver = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
        if (inFlight > 0) await Promise.race([new Promise<void>((resolve) => (drained = resolve)), graceOver]);
        // Closed sessions flush their last frames and end on their own; destroying them at once could cut
        // the final message and trailers of a stream that just finished. Only stragglers are cut.
        await Promise.race([Promise.all([...h2Sessions].map((s) => new Promise((resolve) => s.once("close", resolve)))), graceOver]);
        for (const s of h2Sessions) s.destroy();
        h1?.closeAllConnections();
        h1?.close();
        await stopModules(startedModules, logger);
        await db.close();
        logger.info("whatsnext stopped");
      })();
      return closing;
    },
  };
}

function trackSession(sessions: Set<http2.ServerHttp2Session>, session: http2.ServerHttp2Session, limits: ConnectionLimits): void {
  sessions.add(session);
  closeSessionWhenIdle(session, limits);
  session.once("close", () => sessions.delete(session));
  session.on("error", () => undefined);
}

async function stopModules(modules: readonly ServerModule[], logger: Logger): Promise<void> {
  for (const m of [...modules].reverse()) {
    try {
      await m.stop?.();
    } catch (err) {
      logger.error({ err, module: m.name }, "module failed to stop");
    }
  }
}
