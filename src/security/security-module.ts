import type { Interceptor } from "@connectrpc/connect";
import { IdentityService } from "../../gen/whatsnext/v1/identity_pb.js";
import { KeyService } from "../../gen/whatsnext/v1/key_pb.js";
import { authInterceptor } from "../interceptors/auth.js";
import { authorizationInterceptor } from "../interceptors/authorization.js";
import { rateLimitedError, rateLimitInterceptor } from "../interceptors/rate-limit.js";
import type { App, ServerModule } from "../server/app.js";
import { peerOf } from "../server/peer.js";
import { keyService } from "../services/key-service.js";
import { loadConfiguredKeys, type ConfiguredKey } from "./api-key.js";
import { auditInterceptor, createAuditLogger } from "./audit-log.js";
import { Authenticator, parseCertificateRoles } from "./authenticator.js";
import { CorsPolicy } from "./cors.js";
import { identityService } from "./identity-service.js";
import { countUsableKeys } from "./key-store.js";
import { RedisBucketStore } from "./redis-bucket-store.js";
import { assertSafeBind, isLoopbackHost } from "./safe-bind.js";
import { TrustedProxies } from "./trusted-proxies.js";
import { bucketShape, MemoryBucketStore, RateLimiter, type BucketStore, type StoreFailurePolicy } from "./token-bucket.js";

/** Thrown when the TLS settings cannot give what they promise (mTLS without a server certificate). */
export class TlsConfigError extends Error {}

/** What the security module decided at start-up; exposed for tests and the start-up log. */
export interface SecurityState {
  readonly authEnabled: boolean;
  readonly configuredKeys: readonly ConfiguredKey[];
  readonly limiter: RateLimiter | undefined;
}

/** The security module, with its start-up decisions once started. */
export interface SecurityModule extends ServerModule {
  /** Set by start(); undefined before. */
  readonly state: SecurityState | undefined;
  /**
   * Whether a plain HTTP request (GET /metrics) may read the server's metrics:
   * always when authentication is off or WHATSNEXT_METRICS_PUBLIC is set,
   * otherwise with a valid key or mapped client certificate (any role, viewer
   * and up).
   */
  mayReadMetrics(req: import("node:http").IncomingMessage | import("node:http2").Http2ServerRequest): Promise<boolean>;
}

/** Test seams: a clock for key expiry and token buckets. */
export interface SecurityOptions {
  readonly now?: () => number;
}

/**
 * Authentication, RBAC, rate limits, CORS, audit, KeyService and
 * IdentityService, as one module listed early in src/server/modules.ts.
 * Interceptors run in the order audit → auth → RBAC → rate limit, so the audit log sees every
 * refusal, and a call is only charged to a principal that may make it.
 *
 * Authentication is on when any key is configured (env or file), mTLS is
 * configured, or the database holds a usable runtime key at start-up; a
 * server whose env key was removed after creating runtime keys must not
 * silently fall back to anonymous admins.
 */
export function securityModule(app: App, options: SecurityOptions = {}): SecurityModule {
  const { config, logger } = app;
  const now = options.now ?? Date.now;
  const audit = createAuditLogger(logger);
  // Parsed in start(), so a bad value fails start-up with the server's cleanup (database closed).
  let cors: CorsPolicy | undefined;
  let trustedProxies: TrustedProxies | undefined;
  let authenticator: Authenticator | undefined;
  const reservedNames = new Set<string>();
  let state: SecurityState | undefined;

  const started = (): SecurityState => {
    if (!state) throw new Error("security module used before start()");
    return state;
  };
  // Interceptors are built now but read the start-up decisions on each call.
  const lazy = (make: (s: SecurityState) => Interceptor): Interceptor => {
    const cache = new WeakMap<SecurityState, Interceptor>();
    return (next) => (req) => {
      const s = started();
      let interceptor = cache.get(s);
      if (!interceptor) cache.set(s, (interceptor = make(s)));
      return interceptor(next)(req);
    };
  };
  const interceptors: Interceptor[] = [
    auditInterceptor(audit),
    lazy((s) =>
      authInterceptor({
        enabled: s.authEnabled,
        authenticator: authenticator!,
        trustedProxies: trustedProxies!,
        sql: app.db.sql,
        // Failed authentication spends from the caller's address bucket, so guessing keys is throttled too.
        async onFailure(address) {
          const decision = await s.limiter?.take(`addr:${address}`);
          if (decision && !decision.allowed) throw rateLimitedError(decision);
        },
      }),
    ),
    authorizationInterceptor(app.db.sql),
    lazy((s) => (s.limiter ? rateLimitInterceptor(s.limiter) : (next) => next)),
  ];

  return {
    name: "security",
    get state() {
      return state;
    },
    async mayReadMetrics(req) {
      const s = started();
      if (!s.authEnabled || config.WHATSNEXT_METRICS_PUBLIC) return true;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(name, value);
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      }
      const result = await authenticator!.authenticate(headers, peerOf(req), app.db.sql);
      if (!result.ok) {
        audit.info({ principal: "anonymous", role: "viewer", method: "GET /metrics", outcome: "Unauthenticated", peer: peerOf(req).address, requestId: "" }, "audit");
      }
      return result.ok;
    },
    interceptors,
    routes(router) {
      router.service(KeyService, keyService(app.db.sql, reservedNames));
      router.service(IdentityService, identityService());
    },
    http(req, res) {
      return cors?.handle(req, res) ?? false;
    },
    async start() {
      cors = new CorsPolicy(config.WHATSNEXT_CORS_ORIGINS);
      trustedProxies = new TrustedProxies(config.WHATSNEXT_TRUSTED_PROXIES);
      const loaded = loadConfiguredKeys(config);
      for (const k of loaded.keys) reservedNames.add(k.name);
      authenticator = new Authenticator(loaded.keys, parseCertificateRoles(config.WHATSNEXT_TLS_CLIENT_ROLES), now);
      const mtls = config.WHATSNEXT_TLS_CLIENT_CA_FILE !== "";
      const tls = config.WHATSNEXT_TLS_CERT_FILE !== "" && config.WHATSNEXT_TLS_KEY_FILE !== "";
      if (mtls && !tls) throw new TlsConfigError("invalid configuration: WHATSNEXT_TLS_CLIENT_CA_FILE needs WHATSNEXT_TLS_CERT_FILE and WHATSNEXT_TLS_KEY_FILE (mutual TLS needs TLS)");
      if ((config.WHATSNEXT_TLS_CERT_FILE !== "") !== (config.WHATSNEXT_TLS_KEY_FILE !== "")) {
        throw new TlsConfigError("invalid configuration: WHATSNEXT_TLS_CERT_FILE and WHATSNEXT_TLS_KEY_FILE must be set together");
      }
      for (const warning of loaded.warnings) logger.warn(warning);
      const storedKeys = await countUsableKeys(app.db.sql, new Date(now()));
      const authEnabled = loaded.keys.length > 0 || mtls || storedKeys > 0;
      assertSafeBind(config, authEnabled, logger);
      if (authEnabled && !tls && !isLoopbackHost(config.WHATSNEXT_HOST)) {
        logger.warn("API keys travel in clear text: set WHATSNEXT_TLS_CERT_FILE and WHATSNEXT_TLS_KEY_FILE, or terminate TLS in a proxy on this host");
      }

      let limiter: RateLimiter | undefined;
      const shape = bucketShape(config.WHATSNEXT_RATE_LIMIT_RPS, config.WHATSNEXT_RATE_LIMIT_BURST);
      if (shape) {
        let store: BucketStore = new MemoryBucketStore();
        if (config.WHATSNEXT_RATE_LIMIT_REDIS_URL) {
          const redis = new RedisBucketStore(config.WHATSNEXT_RATE_LIMIT_REDIS_URL, config.WHATSNEXT_RATE_LIMIT_REDIS_PREFIX);
          await redis.connect().catch((err: Error) => logger.warn({ err: err.message }, "rate-limit Redis unreachable at start; retrying in the background"));
          store = redis;
        }
        let lastWarned = 0;
        limiter = new RateLimiter(store, shape, {
          now,
          failurePolicy: config.WHATSNEXT_RATE_LIMIT_FAILURE_POLICY as StoreFailurePolicy,
          onStoreFailure(err) {
            // Counted always, logged at most every 10 s so an outage does not flood the log.
            if (now() - lastWarned < 10_000) return;
            lastWarned = now();
            logger.warn({ err: (err as Error).message, policy: config.WHATSNEXT_RATE_LIMIT_FAILURE_POLICY, failures: limiter?.storeFailures }, "rate-limit store failed; applying the failure policy");
          },
        });
      }
      state = { authEnabled, configuredKeys: loaded.keys, limiter };
      logger.info(
        {
          auth: authEnabled ? "on" : "off (loopback only)",
          configuredKeys: loaded.keys.length,
          storedKeys,
          tls,
          mtls,
          rateLimit: shape ? { ...shape, store: config.WHATSNEXT_RATE_LIMIT_REDIS_URL ? "redis" : "memory" } : "off",
          corsOrigins: config.WHATSNEXT_CORS_ORIGINS || "none",
        },
        "security",
      );
    },
    async stop() {
      await state?.limiter?.close();
    },
  };
}
