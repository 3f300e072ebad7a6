import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { Role } from "../../gen/whatsnext/v1/common_pb.js";
import { KeyService } from "../../gen/whatsnext/v1/key_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from "../../src/security/cors.js";
import { InsecureBindError, isLoopbackHost } from "../../src/security/safe-bind.js";
import { startServer } from "../../src/server/server.js";
import { rejectsWith } from "../support/assertions.js";
import { createTestDatabase, PROTOCOLS, startTestServer, type TestServer } from "../support/test-server.js";
import { testSecret } from "./security-fixture.js";

/** Collects every log line the server writes. */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  }
  records(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** Starts a server with the env over a fresh database and returns what start-up did: the server or the error, and the log. */
async function tryStart(env: Record<string, string>) {
  const db = await createTestDatabase();
  const log = new LogCapture();
  const config = loadConfig({ WHATSNEXT_PORT: "0", WHATSNEXT_DATA_DIR: "memory://", LOG_LEVEL: "info", ...env, DATABASE_URL: db.url });
  try {
    const server = await startServer(config, createLogger("info", log));
    await server.close(1000);
    return { started: true as const, log };
  } catch (err) {
    return { started: false as const, error: err as Error, log };
  } finally {
    await db.drop();
  }
}

describe("secure by default", () => {
  it("knows loopback hosts", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"]) assert.ok(isLoopbackHost(h), h);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "example.org", "128.0.0.1"]) assert.ok(!isLoopbackHost(h), h);
  });

  it("refuses a non-loopback bind without authentication, starts with WHATSNEXT_INSECURE=true and warns, and starts with keys", async () => {
    const refused = await tryStart({ WHATSNEXT_HOST: "0.0.0.0" });
    assert.equal(refused.started, false);
    assert.ok(refused.error instanceof InsecureBindError, String(refused.error));
    assert.match(refused.error!.message, /refusing to listen on 0\.0\.0\.0 without authentication.*WHATSNEXT_INSECURE=true/);

    const forced = await tryStart({ WHATSNEXT_HOST: "0.0.0.0", WHATSNEXT_INSECURE: "true" });
    assert.equal(forced.started, true);
    assert.ok(forced.log.records().some((r) => r.level === 40 && /INSECURE/.test(String(r.msg))), "a warning at start");

    const withKeys = await tryStart({ WHATSNEXT_HOST: "0.0.0.0", WHATSNEXT_API_KEYS: `ops:admin:${testSecret("ops")}` });
    assert.equal(withKeys.started, true);
    assert.ok(withKeys.log.records().some((r) => r.msg === "security" && r.auth === "on"));
  });

  it("refuses mTLS without a server certificate, and a malformed key entry, naming the variable", async () => {
    const mtls = await tryStart({ WHATSNEXT_TLS_CLIENT_CA_FILE: "/nonexistent/ca.pem" });
    assert.match(String(mtls.error), /WHATSNEXT_TLS_CLIENT_CA_FILE needs WHATSNEXT_TLS_CERT_FILE/);
    const secret = "too-short";
    const bad = await tryStart({ WHATSNEXT_API_KEYS: `x:admin:${secret}` });
    assert.match(String(bad.error), /WHATSNEXT_API_KEYS entry 1: the secret must be at least 16 characters/);
    assert.ok(!String(bad.error).includes(secret));
  });
});

describe("CORS, audit and secrets in logs", () => {
  const adminSecret = testSecret("admin");
  const viewerSecret = testSecret("viewer");
  const log = new LogCapture();
  let t: TestServer;
  let runtimeSecret = "";
  before(async () => {
    t = await startTestServer(
      { WHATSNEXT_API_KEYS: `root:admin:${adminSecret},look:viewer:${viewerSecret}`, WHATSNEXT_CORS_ORIGINS: "https://app.example, http://localhost:5173", LOG_LEVEL: "trace" },
      log,
    );
  });
  after(() => t?.close());

  it("answers a preflight from an allowed origin with 204 and the Connect, gRPC-Web and auth headers", async () => {
    const res = await fetch(`${t.url}/whatsnext.v1.ProjectService/ListProjects`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type,connect-protocol-version" },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").split(/,\s*/);
    for (const h of ["authorization", "x-api-key", "content-type", "connect-protocol-version", "connect-timeout-ms", "x-grpc-web", "x-user-agent", "grpc-timeout"]) assert.ok(allowed.includes(h), `allows ${h}`);
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.deepEqual(CORS_ALLOWED_HEADERS.filter((h) => !allowed.includes(h)), []);
  });

  it("refuses a preflight from an unlisted origin without any CORS header", async () => {
    const res = await fetch(`${t.url}/whatsnext.v1.ProjectService/ListProjects`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });

  it("exposes the status, request id and rate-limit headers to an allowed origin on the actual call", async () => {
    const res = await fetch(`${t.url}/whatsnext.v1.ProjectService/ListProjects`, {
      method: "POST",
      headers: { origin: "http://localhost:5173", "content-type": "application/json", authorization: `Bearer ${viewerSecret}` },
      body: "{}",
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "http://localhost:5173");
    const exposed = (res.headers.get("access-control-expose-headers") ?? "").split(/,\s*/);
    for (const h of ["grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id", "retry-after", "grpc-retry-pushback-ms"]) assert.ok(exposed.includes(h), `exposes ${h}`);
    assert.deepEqual(CORS_EXPOSED_HEADERS.filter((h) => !exposed.includes(h)), []);
    const other = await fetch(`${t.url}/whatsnext.v1.ProjectService/ListProjects`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/json", authorization: `Bearer ${viewerSecret}` },
      body: "{}",
    });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
  });

  it("writes one audit line per refusal and per mutation, and no secret in any log line", async () => {
    for (const protocol of PROTOCOLS) {
      const asAdmin = t.client(ProjectService, protocol, { authorization: `Bearer ${adminSecret}` });
      await asAdmin.createProject({ name: `audited-${protocol}` });
      await rejectsWith(t.client(ProjectService, protocol, { authorization: `Bearer ${viewerSecret}` }).createProject({ name: "x" }), Code.PermissionDenied);
      await rejectsWith(t.client(ProjectService, protocol, { authorization: `Bearer ${adminSecret}x` }).listProjects({}), Code.Unauthenticated);
      await rejectsWith(t.client(ProjectService, protocol, { "x-api-key": viewerSecret.slice(0, -1) }).listProjects({}), Code.Unauthenticated);
      const keys = t.client(KeyService, protocol, { "x-api-key": adminSecret });
      const created = await keys.createApiKey({ name: `audit-key-${protocol}`, role: Role.VIEWER });
      runtimeSecret += created.secret + "\n";
      await t.client(ProjectService, protocol, { "x-api-key": created.secret }).listProjects({});
      await keys.revokeApiKey({ key: { case: "id", value: created.key!.id } });
      await rejectsWith(t.client(ProjectService, protocol, { "x-api-key": created.secret }).listProjects({}), Code.Unauthenticated);
    }
    const records = log.records();
    const audit = records.filter((r) => r.log === "audit");
    for (const r of audit) for (const field of ["time", "principal", "role", "method", "outcome", "peer", "requestId"]) assert.ok(field in r, `audit line has ${field}: ${JSON.stringify(r)}`);
    const creates = audit.filter((r) => r.method === "whatsnext.v1.ProjectService/CreateProject" && r.outcome === "ok");
    assert.equal(creates.length, 3);
    assert.ok(creates.every((r) => r.principal === "root" && r.role === "admin" && typeof r.created === "string" && /^name=audited-/.test(String(r.target))));
    assert.equal(audit.filter((r) => r.outcome === "PermissionDenied" && r.principal === "look").length, 3);
    assert.equal(audit.filter((r) => r.outcome === "Unauthenticated").length, 9);
    assert.equal(audit.filter((r) => r.method === "whatsnext.v1.KeyService/RevokeApiKey" && r.outcome === "ok" && String(r.target).startsWith("id=")).length, 3);
    assert.equal(audit.filter((r) => r.method === "whatsnext.v1.ProjectService/ListProjects" && r.outcome === "ok").length, 0, "reads are not audited");

    const everything = log.lines.join("\n");
    assert.ok(log.lines.length > 30, "the server logged (trace level)");
    for (const secret of [adminSecret, viewerSecret, ...runtimeSecret.split("\n").filter(Boolean)]) {
      assert.ok(!everything.includes(secret), "a secret appears in the log");
      assert.ok(!everything.includes(secret.slice(12)), "a secret's tail appears in the log");
    }
    assert.ok(!/authorization"\s*:\s*"Bearer/i.test(everything));
  });
});
