import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, it } from "node:test";
import { build } from "esbuild";
import { chromium, type BrowserContext } from "playwright-core";
import type { ProtocolReport } from "./page/client.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const CHROMIUM = "/usr/bin/chromium";
const CORS_SOURCE = fileURLToPath(new URL("../../src/security/cors.ts", import.meta.url));
const skip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`
  : !existsSync(CORS_SOURCE)
    ? "CORS not yet served"
    : false;

let page: http.Server;
let pageOrigin = "";
let otherOrigin = "";
let t: TestServer;
let context: BrowserContext;
let profileDir = "";

before(async () => {
  if (skip) return;
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL("./page/client.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
  });
  const script = bundle.outputFiles[0]!.text;
  const html = `<!doctype html><meta charset="utf-8"><title>whatsnext browser test</title><pre id="report">running</pre><script type="module" src="/client.js"></script>`;
  page = http.createServer((req, res) => {
    if (req.url?.startsWith("/client.js")) res.writeHead(200, { "content-type": "text/javascript" }).end(script);
    else if (req.url === "/" || req.url?.startsWith("/?")) res.writeHead(200, { "content-type": "text/html" }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
  const port = (page.address() as AddressInfo).port;
  pageOrigin = `http://127.0.0.1:${port}`;
  // The same page under another host name is another origin, one the server does not allow.
  otherOrigin = `http://localhost:${port}`;
  t = await startTestServer({ WHATSNEXT_CORS_ORIGINS: pageOrigin });
  profileDir = mkdtempSync(join(tmpdir(), "wn-chromium-"));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await context?.close();
  await t?.close();
  page?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

/** Opens the page at origin, lets it call the server, and returns what it reported. */
async function runPage(origin: string, tag: string): Promise<Record<string, ProtocolReport>> {
  const tab = await context.newPage();
  try {
    await tab.goto(`${origin}/?tag=${tag}#${encodeURIComponent(t.url)}`);
    await tab.waitForFunction(() => window.whatsnextReport !== undefined, undefined, { timeout: 30_000 });
    return (await tab.evaluate(() => window.whatsnextReport)) as Record<string, ProtocolReport>;
  } finally {
    await tab.close();
  }
}

it("a page on an allowed origin calls the server cross-origin with Connect and gRPC-Web", { skip, timeout: 120_000 }, async () => {
  const report = await runPage(pageOrigin, "allowed");
  for (const [protocol, name] of [["connect", "allowed-connect"], ["grpcWeb", "allowed-grpc-web"]] as const) {
    const r = report[protocol]!;
    assert.equal(r.error, undefined, `${protocol}: ${JSON.stringify(r.error)}`);
    assert.equal(r.created?.name, name);
    assert.match(r.created!.id, /^\d+$/);
    assert.equal(r.fetchedName, name);
    assert.ok(r.listed?.includes(name), `${protocol} lists its project`);
    assert.equal(r.notFound?.code, "NotFound");
    assert.match(r.notFound!.message, /missing/);
    assert.equal(r.health, "SERVING");
    assert.equal(r.watchFirst, "SERVING");
    // x-request-id is exposed to scripts, so a browser can quote it in a bug report.
    assert.match(r.requestId ?? "", /^[\w.-]+$/);
  }
});

it("a page on another origin is refused by the browser, and nothing is created", { skip, timeout: 120_000 }, async () => {
  const report = await runPage(otherOrigin, "refused");
  for (const protocol of ["connect", "grpcWeb"] as const) {
    assert.ok(report[protocol]!.error, `${protocol} must fail from ${otherOrigin}`);
    assert.equal(report[protocol]!.created, undefined);
  }
  const res = await fetch(`${t.url}/whatsnext.v1.ProjectService/ListProjects`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  const names = ((await res.json()) as { projects: Array<{ name: string }> }).projects.map((p) => p.name);
  assert.ok(!names.some((n) => n.startsWith("refused")), `no project made from a refused origin: ${names.join(", ")}`);
});
