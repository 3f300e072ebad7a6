import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { clientAddressKey, type Authenticator, type AuthFailure } from "../security/authenticator.js";
import { PUBLIC_VIEW_SERVICES, requiredRole } from "../security/roles.js";
import type { TrustedProxies } from "../security/trusted-proxies.js";
import type { SqlExecutor } from "../db/executor.js";
import { peerKey, principalKey } from "../server/context.js";
import { errorInfo } from "./error-details.js";

const messages: Record<AuthFailure, string> = {
  missing: "authentication required: send authorization: Bearer <key> or x-api-key, or a client certificate",
  // One answer for unknown, wrong, revoked and expired keys: the caller learns nothing about which keys exist.
  invalid: "invalid credentials",
  "unmapped-certificate": "the client certificate is not mapped to a role (WHATSNEXT_TLS_CLIENT_ROLES)",
};

/** What the auth interceptor needs. `enabled` false means every caller is an anonymous admin (loopback only). */
export interface AuthOptions {
  readonly enabled: boolean;
  readonly authenticator: Authenticator;
  readonly trustedProxies: TrustedProxies;
  /** Where runtime keys are looked up. */
  readonly sql: SqlExecutor;
  /** Called when a call fails authentication, with the client address; may throw (e.g. ResourceExhausted) instead. */
  readonly onFailure?: (clientAddress: string) => Promise<void>;
}

/**
 * Establishes the principal of every call of every service, before RBAC and
 * rate limits: Health is public, everything else needs a valid principal
 * when authentication is on. Also resolves the client address once (trusted
 * proxies only) for the interceptors after it.
 */
export function authInterceptor(options: AuthOptions): Interceptor {
  return (next) => async (req) => {
    const peer = req.contextValues.get(peerKey);
    const clientAddress = options.trustedProxies.clientAddress(peer.address, req.header.get("x-forwarded-for"));
    req.contextValues.set(clientAddressKey, clientAddress);
    if (!options.enabled) {
      req.contextValues.set(principalKey, { name: "anonymous", role: "admin", kind: "anonymous" });
      return next(req);
    }
    // Never fall back to the context key's default (an anonymous admin) when auth is on.
    req.contextValues.set(principalKey, { name: "anonymous", role: "viewer", kind: "anonymous" });
    if (requiredRole(req.service.typeName, req.method.name).kind === "public") return next(req);
    const result = await options.authenticator.authenticate(req.header, peer, options.sql);
    // Reflection without credentials describes the public services only (reflection.ts), so `buf curl`
    // can call Health with no key; a wrong key is still refused.
    if (!result.ok && result.failure === "missing" && PUBLIC_VIEW_SERVICES.has(req.service.typeName)) return next(req);
    if (!result.ok) {
      await options.onFailure?.(clientAddress);
      throw new ConnectError(messages[result.failure], Code.Unauthenticated, undefined, [errorInfo("UNAUTHENTICATED")]);
    }
    req.contextValues.set(principalKey, result.principal);
    return next(req);
  };
}
