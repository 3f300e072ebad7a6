import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { DescService } from "@bufbuild/protobuf";
import { JobEventType, JobService } from "../../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../../gen/whatsnext/v1/task_pb.js";
import { WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import { createGrpcJsClient } from "../support/grpc-js-client.js";
import { eventually, uniqueName } from "../support/queue-fixtures.js";
import { createSelfSignedCert, type SelfSignedCert } from "../support/self-signed-cert.js";
import { skipWithoutCommand } from "../support/system-tools.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

// Tiny, so that each wait below is short; every wait is for an event, bounded by CLOSE_LIMIT_MS.
const HEADERS_TIMEOUT_MS = 300;
const IDLE_TIMEOUT_MS = 600;
const CLOSE_LIMIT_MS = 15_000;
const H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const HEALTH_CHECK = "/grpc.health.v1.Health/Check";

/** Resolves when the socket or session closes; fails if it is still open after CLOSE_LIMIT_MS. */
function closed(emitter: { once(event: "close", listener: () => void): unknown; destroyed?: boolean }, what: string): Promise<void> {
  if (emitter.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: still open after ${CLOSE_LIMIT_MS} ms`)), CLOSE_LIMIT_MS);
    emitter.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Whatever the server sends on the socket, as text, as it arrives. */
function received(socket: net.Socket): { text(): string; answered: Promise<void> } {
  let text = "";
  let onAnswer: () => void;
  const answered = new Promise<void>((resolve) => (onAnswer = resolve));
  socket.on("data", (d: Buffer) => {
    text += d.toString("latin1");
    if (/"status":"SERVING"/.test(text)) onAnswer();
  });
  socket.on("error", () => undefined);
  return { text: () => text, answered };
}

/** A Connect health check over HTTP/1.1, keeping the connection alive. */
const H1_HEALTH_CHECK = `POST ${HEALTH_CHECK} HTTP/1.1\r\nHost: whatsnext\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`;

/** How the suite reaches one server: raw sockets, an HTTP/2 session, and real clients. */
interface Endpoint {
  readonly t: TestServer;
  /** A fresh TCP connection, before any TLS. */
  tcp(): net.Socket;
  /** A connection ready to carry HTTP/1.1 (TLS done and http/1.1 chosen, over TLS). */
  http1(): Promise<net.Socket>;
  session(): http2.ClientHttp2Session;
  /** A connection that sends these bytes and nothing more (after a TLS handshake choosing h2, over TLS). */
  h2Raw(bytes: Buffer): net.Socket;
  client<S extends DescService>(service: S, protocol: "grpc-js" | "connect" | "grpc-web"): Client<S>;
  closeClients(): void;
}

function cleartextEndpoint(t: TestServer): Endpoint {
  const closers: Array<() => void> = [];
  return {
    t,
    tcp: () => net.connect(t.server.port, "127.0.0.1"),
    http1: () =>
      new Promise((resolve, reject) => {
        const socket = net.connect(t.server.port, "127.0.0.1", () => resolve(socket));
        socket.once("error", reject);
      }),
    session: () => http2.connect(t.url),
    h2Raw(bytes) {
      const socket = net.connect(t.server.port, "127.0.0.1", () => socket.write(bytes));
      return socket;
    },
    client(service, protocol) {
      if (protocol === "grpc-js") {
        const c = createGrpcJsClient(service, t.url);
        closers.push(() => c.close());
        return c;
      }
      const make = protocol === "connect" ? createConnectTransport : createGrpcWebTransport;
      return createClient(service, make({ baseUrl: t.url, httpVersion: "1.1" }));
    },
    closeClients: () => closers.splice(0).forEach((c) => c()),
  };
}

function tlsEndpoint(t: TestServer, cert: SelfSignedCert): Endpoint {
  const closers: Array<() => void> = [];
  return {
    t,
    tcp: () => net.connect(t.server.port, "127.0.0.1"),
    http1: () =>
      new Promise((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port: t.server.port, ca: cert.pem, servername: "localhost", ALPNProtocols: ["http/1.1"] }, () => resolve(socket));
        socket.once("error", reject);
      }),
    session: () => http2.connect(t.url, { ca: cert.pem, servername: "localhost" }),
    h2Raw(bytes) {
      const socket = tls.connect({ host: "127.0.0.1", port: t.server.port, ca: cert.pem, servername: "localhost", ALPNProtocols: ["h2"] }, () => socket.write(bytes));
      return socket;
    },
    client(service, protocol) {
      if (protocol === "grpc-js") {
        const c = createGrpcJsClient(service, t.url, grpc.credentials.createSsl(cert.pem));
        closers.push(() => c.close());
        return c;
      }
      const make = protocol === "connect" ? createConnectTransport : createGrpcWebTransport;
      return createClient(service, make({ baseUrl: t.url, httpVersion: "1.1", nodeOptions: { ca: cert.pem } }));
    },
    closeClients: () => closers.splice(0).forEach((c) => c()),
  };
}

/** One health check on the session; resolves with the HTTP status once the answer has ended. */
function healthCheckOn(session: http2.ClientHttp2Session): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":method": "POST", ":path": HEALTH_CHECK, "content-type": "application/json" });
    let status = 0;
    req.on("response", (h) => (status = Number(h[":status"])));
    req.on("data", () => undefined);
    req.on("end", () => resolve(status));
    req.on("error", reject);
    req.end("{}");
  });
}

/**
 * Resolves once a whole idle timeout has passed since it was called: a fresh
 * HTTP/2 connection makes one call, then waits for the server to close it
 * for being idle. A call begun before this has been in progress at least that long.
 */
async function idleTimeoutElapsed(e: Endpoint): Promise<void> {
  const session = e.session();
  session.on("error", () => undefined);
  assert.equal(await healthCheckOn(session), 200);
  await closed(session, "an HTTP/2 connection idle after its call");
}

/** The server's /metrics, read over a connection of its own. */
async function metricsText(e: Endpoint): Promise<string> {
  const socket = await e.http1();
  const seen = received(socket);
  socket.write("GET /metrics HTTP/1.1\r\nHost: whatsnext\r\nConnection: close\r\n\r\n");
  await closed(socket, "the metrics connection");
  return seen.text();
}

function connectionTimeoutSuite(endpoint: () => Endpoint): void {
  it("closes a connection that sends nothing", async () => {
    const socket = endpoint().tcp();
    const seen = received(socket);
    await closed(socket, "a silent connection");
    assert.equal(seen.text(), "", "nothing is answered to a connection that asked nothing");
  });

  it("closes a connection that sends half of its request headers", async () => {
    const socket = await endpoint().http1();
    received(socket);
    socket.write(`POST ${HEALTH_CHECK} HTTP/1.1\r\nHost: whatsnext\r\nContent-Type: appl`);
    await closed(socket, "a connection with half its headers");
  });

  it("closes an HTTP/2 connection that sends the preface and nothing else", async () => {
    const socket = endpoint().h2Raw(Buffer.from(H2_PREFACE));
    received(socket);
    await closed(socket, "a connection with the HTTP/2 preface alone");
  });

  it("closes an HTTP/2 connection whose first request headers never end", async () => {
    // An empty SETTINGS frame, then a HEADERS frame on stream 1 without END_HEADERS (":method: GET", HPACK index 2),
    // and no CONTINUATION: the stream never reaches the server's handler.
    const settings = Buffer.from([0, 0, 0, 0x4, 0, 0, 0, 0, 0]);
    const headersStart = Buffer.from([0, 0, 1, 0x1, 0, 0, 0, 0, 1, 0x82]);
    const socket = endpoint().h2Raw(Buffer.concat([Buffer.from(H2_PREFACE), settings, headersStart]));
    received(socket);
    await closed(socket, "an HTTP/2 connection with unfinished request headers");
  });

  it("closes an HTTP/2 connection that opens no stream, and one idle after its calls", async () => {
    const silent = endpoint().session();
    silent.on("error", () => undefined);
    await closed(silent, "an HTTP/2 connection with no stream");
    await idleTimeoutElapsed(endpoint());
  });

  it("closes a kept-alive HTTP/1.1 connection idle after its call", async () => {
    const socket = await endpoint().http1();
    const seen = received(socket);
    socket.write(H1_HEALTH_CHECK);
    await seen.answered;
    assert.match(seen.text(), /^HTTP\/1\.1 200/);
    assert.match(seen.text(), /keep-alive/i);
    await closed(socket, "an idle kept-alive HTTP/1.1 connection");
  });

  for (const protocol of ["grpc-js", "connect", "grpc-web"] as const) {
    it(`keeps a long-poll FetchJob over ${protocol} open past the idle timeout, and answers it`, async () => {
      const e = endpoint();
      try {
        const project = (await e.client(ProjectService, protocol).createProject({ name: uniqueName(`poll-${protocol}`) })).project!;
        await e.client(TaskService, protocol).createTask({ projectId: project.id, name: "step" });
        const workerId = (await e.client(WorkerService, protocol).registerWorker({ id: uniqueName("w"), name: "poller" })).worker!.id;
        const fetched = e.client(WorkerService, protocol).fetchJob({ workerId, project: { case: "projectId", value: project.id }, waitSeconds: 60 });
        await eventually("the FetchJob call waiting", async () => (/^whatsnext_fetch_waiting [1-9]/m.test(await metricsText(e)) ? true : undefined));
        await idleTimeoutElapsed(e);
        const job = (await e.client(JobService, protocol).createJob({ projectId: project.id, task: { case: "taskName", value: "step" } })).job!;
        const { jobs } = await fetched;
        assert.deepEqual(
          jobs.map((j) => j.id),
          [job.id],
        );
      } finally {
        e.closeClients();
      }
    });

    it(`keeps a WatchJobs stream over ${protocol} open past the idle timeout, and streams on it`, async () => {
      const e = endpoint();
      const ac = new AbortController();
      try {
        const jobs = e.client(JobService, protocol);
        const project = (await e.client(ProjectService, protocol).createProject({ name: uniqueName(`watch-${protocol}`) })).project!;
        await e.client(TaskService, protocol).createTask({ projectId: project.id, name: "step" });
        const task = { case: "taskName" as const, value: "step" };
        const probe = (await jobs.createJob({ projectId: project.id, task, name: "probe" })).job!;
        const stream = jobs.watchJobs({ projectId: project.id }, { signal: ac.signal })[Symbol.asyncIterator]();
        let pending = stream.next();
        ac.signal.addEventListener("abort", () => pending.catch(() => undefined));
        // The stream is live once a change made after it opened reaches it: touch the probe until one does.
        for (let priority = 1; ; priority++) {
          const first = await Promise.race([pending.then(() => "event"), jobs.updateJob({ id: probe.id, priority }).then(() => "touched")]);
          if (first === "event") break;
        }
        pending = stream.next();
        await idleTimeoutElapsed(e);
        const job = (await jobs.createJob({ projectId: project.id, task, name: "after-idle" })).job!;
        for (;;) {
          const r = await pending;
          assert.ok(!r.done, "the stream ended");
          pending = stream.next();
          if (r.value.job?.id === job.id) {
            assert.equal(r.value.type, JobEventType.CREATED);
            break;
          }
        }
      } finally {
        ac.abort();
        e.closeClients();
      }
    });
  }
}

describe("connection timeouts, cleartext", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ WHATSNEXT_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), WHATSNEXT_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS) });
  });
  after(() => t?.close());
  connectionTimeoutSuite(() => cleartextEndpoint(t));
});

describe("connection timeouts, TLS", { skip: skipWithoutCommand("openssl", ["version"]) }, () => {
  let t: TestServer;
  let cert: SelfSignedCert;
  before(async () => {
    cert = createSelfSignedCert();
    t = await startTestServer({
      WHATSNEXT_TLS_CERT_FILE: cert.certFile,
      WHATSNEXT_TLS_KEY_FILE: cert.keyFile,
      WHATSNEXT_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      WHATSNEXT_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
    });
  });
  after(async () => {
    await t?.close();
    cert?.remove();
  });
  connectionTimeoutSuite(() => tlsEndpoint(t, cert));

  it("closes a connection that starts a TLS handshake and never finishes it", async () => {
    const socket = net.connect(t.server.port, "127.0.0.1");
    received(socket);
    // The first bytes of a ClientHello record, and no more.
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
    await closed(socket, "a half TLS handshake");
  });
});

/**
 * A health check on a new HTTP/1.1 connection: the open connection once
 * answered, or undefined when the server closed it unanswered (or, over TLS,
 * before the handshake ended).
 */
async function answeredConnection(e: Endpoint): Promise<net.Socket | undefined> {
  const socket = await e.http1().catch(() => undefined);
  if (!socket) return undefined;
  const seen = received(socket);
  socket.write(H1_HEALTH_CHECK);
  const answered = await Promise.race([seen.answered.then(() => true), closed(socket, "a new connection").then(() => false)]);
  if (!answered) assert.equal(seen.text(), "", "a connection closed unanswered got nothing");
  return answered ? socket : undefined;
}

/**
 * The connection limit: `limit` connections are answered and kept, one more is
 * closed unanswered, and once one of the kept closes a new one is answered again.
 */
async function connectionLimitScenario(e: Endpoint, limit: number): Promise<void> {
  const kept: net.Socket[] = [];
  try {
    for (let i = 0; i < limit; i++) {
      const socket = await answeredConnection(e);
      assert.ok(socket, `connection ${i + 1} of ${limit} is answered`);
      kept.push(socket);
    }
    assert.equal(await answeredConnection(e), undefined, "the connection over the limit is closed unanswered");

    const first = kept.shift()!;
    first.end();
    await closed(first, "a kept connection the client ended");
    // The server counts a connection gone once it has closed its side too, just after the client sees the close.
    kept.push(await eventually("a connection answered again under the limit", () => answeredConnection(e)));
  } finally {
    for (const socket of kept) socket.destroy();
  }
  await Promise.all(kept.map((s) => closed(s, "a kept connection")));
  // The refusal is counted where operators look.
  const metrics = await eventually("the metrics answered", () => metricsText(e).then((text) => (/whatsnext_connections_refused_total/.test(text) ? text : undefined), () => undefined));
  assert.match(metrics, /^whatsnext_connections_refused_total [1-9]/m);
}

describe("connection limit", () => {
  const LIMIT = 3;

  it("refuses the connection over WHATSNEXT_MAX_CONNECTIONS and accepts again after one closes, cleartext", async () => {
    const t = await startTestServer({ WHATSNEXT_MAX_CONNECTIONS: String(LIMIT) });
    try {
      await connectionLimitScenario(cleartextEndpoint(t), LIMIT);
    } finally {
      await t.close();
    }
  });

  it("refuses the connection over WHATSNEXT_MAX_CONNECTIONS and accepts again after one closes, TLS", { skip: skipWithoutCommand("openssl", ["version"]) }, async () => {
    const cert = createSelfSignedCert();
    const t = await startTestServer({ WHATSNEXT_TLS_CERT_FILE: cert.certFile, WHATSNEXT_TLS_KEY_FILE: cert.keyFile, WHATSNEXT_MAX_CONNECTIONS: String(LIMIT) });
    try {
      await connectionLimitScenario(tlsEndpoint(t, cert), LIMIT);
    } finally {
      await t.close();
      cert.remove();
    }
  });
});
