import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import type http from "node:http";
import type http2 from "node:http2";
import { join, relative } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { ASSETS_FOLDER, buildDashboard, DASHBOARD_OUT_DIR, dashboardIsStale } from "../../dashboard/build.js";
import type { App, ServerModule } from "./app.js";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/**
 * The page's paths that serve index.html, so deep links and reloads land in
 * the dashboard (its router, dashboard/src/router.ts, knows the same paths).
 * RPC paths (/whatsnext.v1.JobService/…, /grpc.health.v1.Health/…) have a
 * dot in their first segment and never match, nor does /metrics.
 */
const PAGE_PATH = /^\/(?:(?:projects|jobs|workers)(?:\/[^.]*)?)?$/;
const ASSET_PREFIX = `/${ASSETS_FOLDER}/`;

/**
 * A strict policy: scripts, styles and API calls from this origin only, no
 * inline script or style attribute markup, no framing, no plugins.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  map: "application/json; charset=utf-8",
  txt: "text/plain; charset=utf-8",
};

let buildInProgress: ReturnType<typeof buildDashboard> | undefined;

/** One file of the built dashboard, held in memory with its precompressed forms. */
interface ServedFile {
  readonly contentType: string;
  readonly etag: string;
  readonly identity: Buffer;
  readonly gzip?: Buffer;
  readonly br?: Buffer;
}

type Encoding = "br" | "gzip" | "identity";

/**
 * Serves the web dashboard (dashboard/) on the server's own port: `/` and the
 * page paths answer index.html (no-cache, so a new build is picked up at
 * once), /assets/ the content-hashed bundle (cached for a year, immutable),
 * each in the best compression the browser accepts. At start it builds the
 * bundle when dist/dashboard is missing or older than its sources; a failed
 * build leaves the API serving and the page answering 503 with the reason.
 */
export function dashboardModule(app: App, authEnabled: () => boolean): ServerModule {
  const files = new Map<string, ServedFile>();
  let unavailable: string | undefined = "the dashboard is starting";

  return {
    name: "dashboard",
    async start() {
      try {
        if (await dashboardIsStale()) {
          const started = performance.now();
          // Servers starting together in one process (tests) share one build.
          buildInProgress ??= buildDashboard().finally(() => (buildInProgress = undefined));
          const build = await buildInProgress;
          app.logger.info({ files: build.files.length, ms: Math.round(performance.now() - started) }, "dashboard built");
        }
        await loadFiles(DASHBOARD_OUT_DIR, files);
        const index = files.get("/index.html");
        if (!index) throw new Error(`${DASHBOARD_OUT_DIR} has no index.html`);
        // The security module started before this one, so whether a key is needed is known now.
        const signIn = signInHint(authEnabled(), app.config.WHATSNEXT_TLS_CLIENT_CA_FILE !== "");
        files.set("/index.html", servedFile(Buffer.from(index.identity.toString("utf8").replace("</head>", `<meta name="whatsnext-sign-in" content="${signIn}">\n</head>`)), index.contentType));
        unavailable = undefined;
      } catch (err) {
        unavailable = `the dashboard could not be built (${(err as Error).message.split("\n")[0]}); run npm run build:dashboard and restart`;
        app.logger.error({ err }, "dashboard unavailable; the API serves on");
      }
    },
    http(req, res) {
      if (req.method !== "GET" && req.method !== "HEAD") return false;
      const path = (req.url ?? "").split("?")[0]!;
      const isAsset = path.startsWith(ASSET_PREFIX);
      if (!isAsset && !PAGE_PATH.test(path)) return false;
      if (unavailable !== undefined) {
        send(req, res, 503, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" }, Buffer.from(`${unavailable}\n`));
        return true;
      }
      const file = files.get(isAsset ? path : "/index.html");
      if (!file) {
        send(req, res, 404, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" }, Buffer.from("no such dashboard asset\n"));
        return true;
      }
      serveFile(req, res, file, isAsset ? "public, max-age=31536000, immutable" : "no-cache");
      return true;
    },
  };
}

/**
 * What the page should do before its first call: "key" when the server
 * answers nothing without an API key (so the page asks for one at once
 * instead of making a call it knows will be refused), "ask" when the server
 * may accept the browser as it is (authentication off, or a client
 * certificate under mTLS).
 */
export function signInHint(authEnabled: boolean, mtls: boolean): "key" | "ask" {
  return authEnabled && !mtls ? "key" : "ask";
}

/** A file compressed in memory (for the one page that changes at start). */
function servedFile(identity: Buffer, contentType: string): ServedFile {
  return {
    contentType,
    etag: etagOf(identity),
    identity,
    gzip: gzipSync(identity, { level: 9 }),
    br: brotliCompressSync(identity),
  };
}

function etagOf(contents: Buffer): string {
  return `"${createHash("sha256").update(contents).digest("base64url").slice(0, 22)}"`;
}

async function loadFiles(root: string, into: Map<string, ServedFile>): Promise<void> {
  const loaded = new Map<string, ServedFile>();
  for (const path of await listFiles(root)) {
    if (path.endsWith(".gz") || path.endsWith(".br") || path.endsWith(".tmp")) continue;
    const identity = await readFile(path);
    const extension = path.slice(path.lastIndexOf(".") + 1);
    const optional = (suffix: string) => readFile(path + suffix).catch(() => undefined);
    loaded.set("/" + relative(root, path).split("\\").join("/"), {
      contentType: CONTENT_TYPES[extension] ?? "application/octet-stream",
      etag: etagOf(identity),
      identity,
      gzip: await optional(".gz"),
      br: await optional(".br"),
    });
  }
  into.clear();
  for (const [k, v] of loaded) into.set(k, v);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

function serveFile(req: Request, res: Response, file: ServedFile, cacheControl: string): void {
  const headers: Record<string, string> = { "content-type": file.contentType, "cache-control": cacheControl, etag: file.etag, vary: "Accept-Encoding" };
  const ifNoneMatch = req.headers["if-none-match"];
  if (typeof ifNoneMatch === "string" && ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === file.etag)) {
    send(req, res, 304, headers, undefined);
    return;
  }
  const encoding = chooseEncoding(req.headers["accept-encoding"], file);
  if (encoding !== "identity") headers["content-encoding"] = encoding;
  send(req, res, 200, headers, encoding === "identity" ? file.identity : file[encoding]!);
}

/**
 * The best encoding the request accepts that the file has: brotli, then
 * gzip, then none. A coding with q=0 is refused; `*` stands for the others.
 */
export function chooseEncoding(acceptEncoding: string | string[] | undefined, available: { readonly gzip?: Buffer; readonly br?: Buffer }): Encoding {
  const accepted = new Map<string, number>();
  for (const part of (Array.isArray(acceptEncoding) ? acceptEncoding.join(",") : acceptEncoding ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    accepted.set(name, q ? Number(q[1]) : 1);
  }
  const quality = (coding: string) => accepted.get(coding) ?? accepted.get("*") ?? 0;
  if (available.br && quality("br") > 0) return "br";
  if (available.gzip && quality("gzip") > 0) return "gzip";
  return "identity";
}

function send(req: Request, res: Response, status: number, headers: Record<string, string>, body: Buffer | undefined): void {
  const all: Record<string, string> = {
    ...headers,
    "content-security-policy": DASHBOARD_CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
  };
  if (body) all["content-length"] = String(body.length);
  res.writeHead(status, all);
  if (req.method === "HEAD" || !body) res.end();
  else res.end(body);
}
