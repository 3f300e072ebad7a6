import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import http2 from "node:http2";
import https from "node:https";
import tls from "node:tls";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../gen/health/v1/health_pb.js";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { createGrpcJsClient } from "./support/grpc-js-client.js";
import { createSelfSignedCert, type SelfSignedCert } from "./support/self-signed-cert.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { skipWithoutCommand } from "./support/system-tools.js";

const execFileP = promisify(execFile);

/** curl with a Connect JSON body; returns the HTTP version curl used and the body. */
async function curlJson(url: string, body: unknown, ...flags: string[]): Promise<{ httpVersion: string; body: unknown }> {
  const { stdout } = await execFileP("curl", ["-sS", ...flags, "-H", "content-type: application/json", "--data", JSON.stringify(body), "-w", "\n%{http_version}", url], { timeout: 30_000 });
  const lines = stdout.trimEnd().split("\n");
  const httpVersion = lines.pop()!;
  return { httpVersion, body: JSON.parse(lines.join("\n")) };
}

describe("cleartext: HTTP/2 with prior knowledge and HTTP/1.1 on one port", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.close());

  it("serves grpc-js (h2c) and HTTP/1.1 Connect, gRPC-Web on the same port", async () => {
    const { project } = await t.client(ProjectService, "grpc-js").createProject({ name: "one-port" });
    const viaH1 = createClient(ProjectService, createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }));
    assert.equal((await viaH1.getProject({ project: { case: "id", value: project!.id } })).project?.name, "one-port");
    const viaWebH1 = createClient(ProjectService, createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1" }));
    assert.equal((await viaWebH1.getProject({ project: { case: "name", value: "one-port" } })).project?.id, project!.id);
    for (const transport of [createConnectTransport({ baseUrl: t.url, httpVersion: "2" }), createGrpcWebTransport({ baseUrl: t.url, httpVersion: "2" }), createGrpcTransport({ baseUrl: t.url })]) {
      const c = createClient(ProjectService, transport);
      assert.equal((await c.getProject({ project: { case: "id", value: project!.id } })).project?.name, "one-port");
    }
  });

  it("answers plain curl over HTTP/1.1 and over HTTP/2 prior knowledge, and says which it used", { skip: skipWithoutCommand("curl") }, async () => {
    const h1 = await curlJson(`${t.url}/whatsnext.v1.ProjectService/CreateProject`, { name: "curl-h1" }, "--http1.1");
    assert.equal(h1.httpVersion, "1.1");
    assert.equal((h1.body as { project: { name: string } }).project.name, "curl-h1");
    const h2 = await curlJson(`${t.url}/whatsnext.v1.ProjectService/GetProject`, { name: "curl-h1" }, "--http2-prior-knowledge");
    assert.equal(h2.httpVersion, "2");
    assert.equal((h2.body as { project: { name: string } }).project.name, "curl-h1");
  });

  it("serves many concurrent clients of both kinds on the port at once", async () => {
    const grpcJs = t.client(Health, "grpc-js");
    const h1 = createClient(Health, createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }));
    const web = createClient(Health, createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1" }));
    const h2 = createClient(Health, createConnectTransport({ baseUrl: t.url, httpVersion: "2" }));
    const clients = [grpcJs, h1, web, h2];
    const answers = await Promise.all(Array.from({ length: 80 }, (_, i) => clients[i % clients.length]!.check({})));
    assert.ok(answers.every((a) => a.status === Status.SERVING));
  });
});

describe("TLS: h2 and HTTP/1.1 by ALPN on one port", { skip: skipWithoutCommand("openssl", ["version"]) }, () => {
  let t: TestServer;
  let cert: SelfSignedCert;
  before(async () => {
    cert = createSelfSignedCert();
    t = await startTestServer({ WHATSNEXT_TLS_CERT_FILE: cert.certFile, WHATSNEXT_TLS_KEY_FILE: cert.keyFile });
  });
  after(async () => {
    await t?.close();
    cert?.remove();
  });

  /** The protocol the server picks when the client offers these. */
  function negotiated(offer: string[] | undefined): Promise<string | false | null> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port: t.server.port, ca: cert.pem, servername: "localhost", ...(offer ? { ALPNProtocols: offer } : {}) }, () => {
        resolve(socket.alpnProtocol ?? null);
        socket.end();
      });
      socket.on("error", reject);
    });
  }

  it("listens on https and negotiates h2 or http/1.1 by ALPN", async () => {
    assert.match(t.url, /^https:\/\//);
    assert.equal(await negotiated(["h2", "http/1.1"]), "h2");
    assert.equal(await negotiated(["http/1.1"]), "http/1.1");
    // A client that offers no ALPN at all gets HTTP/1.1 (allowHTTP1).
    assert.equal(await negotiated(undefined), false);
  });

  it("serves grpc-js and connect-es gRPC over h2 with the certificate trusted", async () => {
    const health = createGrpcJsClient(Health, t.url, grpc.credentials.createSsl(cert.pem));
    try {
      assert.equal((await health.check({})).status, Status.SERVING);
    } finally {
      health.close();
    }
    const projects = createClient(ProjectService, createGrpcTransport({ baseUrl: t.url, nodeOptions: { ca: cert.pem } }));
    assert.equal((await projects.createProject({ name: "over-tls" })).project?.name, "over-tls");
    const session = http2.connect(t.url, { ca: cert.pem });
    await new Promise<void>((resolve, reject) => {
      session.once("connect", () => resolve());
      session.once("error", reject);
    });
    assert.equal(session.alpnProtocol, "h2");
    session.close();
  });

  it("serves Connect and gRPC-Web over HTTP/1.1 with TLS", async () => {
    for (const transport of [
      createConnectTransport({ baseUrl: t.url, httpVersion: "1.1", nodeOptions: { ca: cert.pem } }),
      createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1", nodeOptions: { ca: cert.pem } }),
    ]) {
      assert.equal((await createClient(Health, transport).check({})).status, Status.SERVING);
    }
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request(`${t.url}/whatsnext.v1.ProjectService/GetProject`, { method: "POST", ca: cert.pem, headers: { "content-type": "application/json" } }, (res) => {
        assert.equal(res.httpVersion, "1.1");
        let out = "";
        res.on("data", (d) => (out += d));
        res.on("end", () => resolve(out));
      });
      req.on("error", reject);
      req.end(JSON.stringify({ name: "over-tls" }));
    });
    assert.equal((JSON.parse(body) as { project: { name: string } }).project.name, "over-tls");
  });

  it("answers curl over TLS with HTTP/2 and with HTTP/1.1", { skip: skipWithoutCommand("curl") }, async () => {
    const h2 = await curlJson(`${t.url}/whatsnext.v1.ProjectService/GetProject`, { name: "over-tls" }, "--cacert", cert.certFile, "--http2");
    assert.equal(h2.httpVersion, "2");
    const h1 = await curlJson(`${t.url}/whatsnext.v1.ProjectService/GetProject`, { name: "over-tls" }, "--cacert", cert.certFile, "--http1.1");
    assert.equal(h1.httpVersion, "1.1");
    assert.equal((h1.body as { project: { name: string } }).project.name, "over-tls");
  });

  it("refuses a client that does not trust the certificate, and cleartext on the TLS port", async () => {
    await assert.rejects(negotiatedWithoutCa(t.server.port), /self[- ]signed|certificate/i);
    await assert.rejects(fetch(`http://127.0.0.1:${t.server.port}/whatsnext.v1.ProjectService/ListProjects`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }));
    const health = createGrpcJsClient(Health, t.url);
    try {
      await assert.rejects(health.check({}));
    } finally {
      health.close();
    }
    assert.equal((await createClient(Health, createGrpcTransport({ baseUrl: t.url, nodeOptions: { ca: cert.pem } })).check({})).status, Status.SERVING);
  });
});

function negotiatedWithoutCa(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost" }, () => {
      socket.end();
      resolve();
    });
    socket.on("error", reject);
  });
}
