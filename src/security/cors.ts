import type http from "node:http";
import type http2 from "node:http2";
import { cors as connectCors } from "@connectrpc/connect";

/** Thrown for a malformed WHATSNEXT_CORS_ORIGINS entry, naming it. */
export class CorsOriginsError extends Error {}

/** Request headers a browser may send: Connect's own plus our credentials and request id. */
export const CORS_ALLOWED_HEADERS: readonly string[] = [
  ...new Set([...connectCors.allowedHeaders, "Authorization", "X-Api-Key", "X-Request-Id"].map((h) => h.toLowerCase())),
];
/** Response headers a browser script may read: status, errors, request id and rate-limit hints. */
export const CORS_EXPOSED_HEADERS: readonly string[] = [
  ...new Set([...connectCors.exposedHeaders, "X-Request-Id", "Retry-After", "Grpc-Retry-Pushback-Ms"].map((h) => h.toLowerCase())),
];

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/**
 * CORS for Connect-web and gRPC-web from browsers: only origins on an
 * explicit allowlist get Access-Control-Allow-Origin. `*` allows any origin
 * but then never with credentials. With no origins configured, browsers on
 * other origins are refused (no CORS headers at all).
 */
export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;
  private readonly wildcard: boolean;

  constructor(spec: string) {
    const entries = spec.split(",").map((e) => e.trim()).filter(Boolean);
    this.wildcard = entries.includes("*");
    const origins = new Set<string>();
    for (const entry of entries) {
      if (entry === "*") continue;
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw new CorsOriginsError(`invalid configuration: WHATSNEXT_CORS_ORIGINS entry ${JSON.stringify(entry)} is not an origin like https://example.org`);
      }
      if (url.origin === "null" || url.origin !== entry.replace(/\/$/, "")) {
        throw new CorsOriginsError(`invalid configuration: WHATSNEXT_CORS_ORIGINS entry ${JSON.stringify(entry)} must be a bare origin (scheme://host[:port])`);
      }
      origins.add(url.origin);
    }
    this.origins = origins;
  }

  /** Whether the browser origin may call. */
  allows(origin: string): boolean {
    return this.wildcard || this.origins.has(origin);
  }

  /**
   * Answers a preflight (204 for an allowed origin, 403 otherwise), or adds
   * the CORS headers to an actual call from an allowed origin and lets it
   * through. True when the request was answered here.
   */
  handle(req: Request, res: Response): boolean {
    const origin = req.headers.origin;
    if (typeof origin !== "string") return false;
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    const allowed = this.allows(origin);
    if (allowed) {
      res.setHeader("Vary", "Origin");
      if (this.origins.has(origin)) {
        res.setHeader("Access-Control-Allow-Origin", origin);
        res.setHeader("Access-Control-Allow-Credentials", "true");
      } else {
        res.setHeader("Access-Control-Allow-Origin", "*");
      }
    }
    if (!preflight) {
      if (allowed) res.setHeader("Access-Control-Expose-Headers", CORS_EXPOSED_HEADERS.join(", "));
      return false;
    }
    if (!allowed) {
      res.writeHead(403, { "content-type": "text/plain", vary: "Origin" });
      res.end("origin not allowed\n");
      return true;
    }
    res.writeHead(204, {
      "access-control-allow-methods": connectCors.allowedMethods.join(", "),
      "access-control-allow-headers": CORS_ALLOWED_HEADERS.join(", "),
      "access-control-max-age": "7200",
    });
    res.end();
    return true;
  }
}
