import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../gen/health/v1/health_pb.js";
import { IdentityService } from "../gen/whatsnext/v1/identity_pb.js";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { chooseEncoding } from "../src/server/dashboard.js";
import { createSelfSignedCert, type SelfSignedCert } from "./support/self-signed-cert.js";
import { skipWithoutCommand } from "./support/system-tools.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

// The dashboard's files as the server serves them, and proof that serving them leaves every RPC path alone.

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One HTTP/1.1 request; the body as sent (still compressed). */
function get(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** One HTTP/2 GET (h2c with prior knowledge, or h2 over TLS with `ca`). */
function getHttp2(origin: string, path: string, ca?: Buffer): Promise<Answer & { alpn: string | false | undefined }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin, ca ? { ca, servername: "localhost" } : {});
    session.on("error", reject);
    const req = session.request({ ":path": path, "accept-encoding": "gzip" });
    const chunks: Buffer[] = [];
    let headers: http.IncomingHttpHeaders = {};
    req.on("response", (h) => (headers = h as http.IncomingHttpHeaders));
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const alpn = (session.socket as { alpnProtocol?: string | false }).alpnProtocol;
      session.close();
      resolve({ status: Number(headers[":status"]), headers, body: Buffer.concat(chunks), alpn });
    });
    req.on("error", reject);
    req.end();
  });
}

function assertStrictPolicy(headers: http.IncomingHttpHeaders): void {
  const csp = String(headers["content-security-policy"]);
  for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"]) {
    assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  assert.equal(headers["x-content-type-options"], "nosniff");
}

const assetPaths = (html: string) => [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);

describe("the dashboard's files, without authentication", () => {
  let t: TestServer;
  let html = "";
  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.close());

  it("answers / and every page path with index.html: no-cache, a strict CSP, no inline script or style", async () => {
    const root = await get(`${t.url}/`);
    assert.equal(root.status, 200);
    assert.match(String(root.headers["content-type"]), /^text\/html/);
    assert.equal(root.headers["cache-control"], "no-cache");
    assertStrictPolicy(root.headers);
    html = root.body.toString("utf8");
    assert.match(html, /<script type="module" src="\/assets\/main-[A-Z0-9]+\.js"><\/script>/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script");
    assert.doesNotMatch(html, /<style|\sstyle=/, "no inline style");
    assert.match(html, /<meta name="whatsnext-sign-in" content="ask">/, "no key is needed");
    for (const path of ["/projects", "/projects/12", "/projects/12/sweep?x=lr", "/jobs/7", "/workers?inactive=1"]) {
      const page = await get(`${t.url}${path}`);
      assert.equal(page.status, 200, path);
      assert.equal(page.body.toString("utf8"), html, `${path} is the same page`);
    }
    const head = await get(`${t.url}/`, {}, "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  it("serves the hashed assets for a year, immutable, in the best encoding the browser accepts", async () => {
    const assets = assetPaths(html);
    assert.ok(assets.some((a) => a.endsWith(".css")) && assets.some((a) => a.endsWith(".js")) && assets.some((a) => a.endsWith(".svg")), assets.join(", "));
    const script = assets.find((a) => a.endsWith(".js"))!;
    const plain = await get(`${t.url}${script}`);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.match(String(plain.headers["content-type"]), /^text\/javascript/);
    assert.equal(plain.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(plain.headers.vary, "Accept-Encoding");
    const br = await get(`${t.url}${script}`, { "accept-encoding": "gzip, deflate, br" });
    assert.equal(br.headers["content-encoding"], "br");
    assert.ok(br.body.length < plain.body.length / 2, "brotli shrinks the bundle");
    assert.deepEqual(brotliDecompressSync(br.body), plain.body);
    const gzip = await get(`${t.url}${script}`, { "accept-encoding": "br;q=0, gzip" });
    assert.equal(gzip.headers["content-encoding"], "gzip");
    assert.deepEqual(gunzipSync(gzip.body), plain.body);
    const again = await get(`${t.url}${script}`, { "if-none-match": String(plain.headers.etag) });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const missing = await get(`${t.url}/assets/main-NOSUCHFILE.js`);
    assert.equal(missing.status, 404);
  });

  it("leaves the RPC paths, /metrics and unknown paths to the API, over HTTP/1.1 and HTTP/2", async () => {
    const metrics = await get(`${t.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.body.toString("utf8"), /whatsnext_rpc_calls_total|process_cpu/);
    // A Connect GET of a read-only method is the API's, not the page's.
    const listed = await get(`${t.url}/whatsnext.v1.ProjectService/ListProjects?connect=v1&encoding=json&message=%7B%7D`);
    assert.equal(listed.status, 200);
    assert.match(String(listed.headers["content-type"]), /^application\/json/);
    assert.equal(listed.headers["content-security-policy"], undefined);
    const unknown = await get(`${t.url}/whatsnext.v1.NoSuchService/Method`);
    assert.notEqual(unknown.status, 200);
    const viaConnect = createClient(ProjectService, createConnectTransport({ baseUrl: t.url, httpVersion: "1.1" }));
    await viaConnect.createProject({ name: "next-to-the-dashboard" });
    assert.equal((await t.client(ProjectService, "grpc-js").getProject({ project: { case: "name", value: "next-to-the-dashboard" } })).project?.name, "next-to-the-dashboard");
    const health = createClient(Health, createGrpcTransport({ baseUrl: t.url }));
    assert.equal((await health.check({})).status, Status.SERVING);
    const h2 = await getHttp2(t.url, "/jobs/3");
    assert.equal(h2.status, 200);
    assert.equal(h2.headers["content-encoding"], "gzip");
    assert.match(gunzipSync(h2.body).toString("utf8"), /whatsnext-sign-in/);
    assertStrictPolicy(h2.headers);
  });

  it("tells an anonymous caller it is the anonymous admin when authentication is off", async () => {
    const identity = await t.client(IdentityService).getCallerIdentity({});
    assert.equal(identity.principalName, "anonymous");
    assert.equal(identity.projectId, 0n);
  });

  it("picks encodings as Accept-Encoding says, q=0 refusing one", () => {
    const both = { br: Buffer.from("b"), gzip: Buffer.from("g") };
    assert.equal(chooseEncoding("gzip, br", both), "br");
    assert.equal(chooseEncoding("gzip", both), "gzip");
    assert.equal(chooseEncoding("br;q=0, gzip;q=0.5", both), "gzip");
    assert.equal(chooseEncoding("*", both), "br");
    assert.equal(chooseEncoding("*;q=0, identity", both), "identity");
    assert.equal(chooseEncoding(undefined, both), "identity");
    assert.equal(chooseEncoding("br", { gzip: both.gzip }), "identity");
  });
});

describe("the dashboard with API keys", () => {
  let t: TestServer;
  const key = "wnxt_dashboard_serving_viewer_0123456789abcdef";
  before(async () => {
    t = await startTestServer({ WHATSNEXT_API_KEYS: `dash-viewer:viewer:${key}` });
  });
  after(() => t?.close());

  it("serves the page without a key, and tells it a key is needed", async () => {
    const root = await get(`${t.url}/`);
    assert.equal(root.status, 200);
    assert.match(root.body.toString("utf8"), /<meta name="whatsnext-sign-in" content="key">/);
    const asset = assetPaths(root.body.toString("utf8"))[0]!;
    assert.equal((await get(`${t.url}${asset}`)).status, 200);
  });
});

describe("the dashboard over TLS", { skip: skipWithoutCommand("openssl", ["version"]) }, () => {
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

  it("serves the page over h2 and the API beside it", async () => {
    const origin = t.url.replace("127.0.0.1", "localhost");
    const page = await getHttp2(origin, "/", cert.pem);
    assert.equal(page.alpn, "h2");
    assert.equal(page.status, 200);
    assertStrictPolicy(page.headers);
    assert.match(gunzipSync(page.body).toString("utf8"), /\/assets\/main-/);
    const health = await new Promise<Answer>((resolve, reject) => {
      const session = http2.connect(origin, { ca: cert.pem, servername: "localhost" });
      session.on("error", reject);
      const req = session.request({ ":method": "POST", ":path": "/grpc.health.v1.Health/Check", "content-type": "application/json" });
      const chunks: Buffer[] = [];
      let headers: http.IncomingHttpHeaders = {};
      req.on("response", (h) => (headers = h as http.IncomingHttpHeaders));
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        session.close();
        resolve({ status: Number(headers[":status"]), headers, body: Buffer.concat(chunks) });
      });
      req.end("{}");
    });
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body.toString("utf8")), { status: "SERVING" });
  });
});
