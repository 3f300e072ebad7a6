import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { errorInfo, retryInfo } from "./error-details.js";
import { clientAddressKey } from "../security/authenticator.js";
import { requiredRole } from "../security/roles.js";
import type { RateDecision, RateLimiter } from "../security/token-bucket.js";
import { principalKey, peerKey } from "../server/context.js";
import type { Principal } from "../server/context.js";

/** The bucket a caller spends from: its principal, or its address when anonymous. */
export function rateLimitKey(principal: Principal, clientAddress: string): string {
  return principal.kind === "anonymous" ? `addr:${clientAddress}` : `${principal.kind}:${principal.name}`;
}

/**
 * The error for an empty bucket, with `retry-after` (whole seconds, HTTP),
 * `grpc-retry-pushback-ms` (gRPC retry policy) and a google.rpc.RetryInfo so
 * clients back off.
 */
export function rateLimitedError(decision: RateDecision): ConnectError {
  const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  const metadata = new Headers({ "retry-after": String(seconds), "grpc-retry-pushback-ms": String(Math.max(0, decision.retryAfterMs)) });
  const details = [errorInfo("RATE_LIMITED"), retryInfo(Math.max(0, decision.retryAfterMs) / 1000)];
  return new ConnectError(`rate limit exceeded; retry in ${seconds} s`, Code.ResourceExhausted, metadata, details);
}

/**
 * A token bucket per principal (per client address when anonymous), after
 * authentication and RBAC. Health checks are not limited, so probes keep
 * working while a caller is throttled.
 */
export function rateLimitInterceptor(limiter: RateLimiter): Interceptor {
  return (next) => async (req) => {
    if (requiredRole(req.service.typeName, req.method.name).kind === "public") return next(req);
    const address = req.contextValues.get(clientAddressKey) || req.contextValues.get(peerKey).address;
    const decision = await limiter.take(rateLimitKey(req.contextValues.get(principalKey), address));
    if (!decision.allowed) throw rateLimitedError(decision);
    return next(req);
  };
}
