import { Code } from "@connectrpc/connect";

/**
 * The status codes a WhatsNext client retries, and why each is safe to retry:
 *
 * - UNAVAILABLE: the server or its database cannot be reached now; the
 *   call did not happen or is safe to repeat. This is what gRPC itself
 *   retries transparently, and what the server must answer during an outage.
 * - RESOURCE_EXHAUSTED: a rate limit refused the call before it ran; retry
 *   after the retry-after the server sent.
 * - DEADLINE_EXCEEDED: the client's own deadline on a call (far above the
 *   call's normal time) ended it; the worker calls are made to be repeated by
 *   the lease holder (a claim whose answer is lost comes back after its lease).
 * - ABORTED: a conflict with a concurrent change (AIP-194: retry the whole
 *   operation), which a single worker call is.
 *
 * Every other code is an answer about the request itself and is not retried;
 * in particular INTERNAL is a server fault a client must not retry.
 */
export const RETRYABLE_CODES: ReadonlySet<Code> = new Set([Code.Unavailable, Code.ResourceExhausted, Code.DeadlineExceeded, Code.Aborted]);

/** Whether a client retries the code (OK counts as retryable: nothing to retry, nothing wrong). */
export function isRetryable(code: Code | 0): boolean {
  return code === 0 || RETRYABLE_CODES.has(code as Code);
}

/** The canonical gRPC name of a status code (OK, UNAVAILABLE, …), as every gRPC client prints it. */
export function codeName(code: Code | 0): string {
  if (code === 0) return "OK";
  const name = Code[code];
  if (name === undefined) return `CODE_${code}`;
  return name === "Canceled" ? "CANCELLED" : name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Backoff before retry n (0-based): 50 ms doubling to 1 s, with full jitter so that 32 loops do not retry in step. */
export function backoffMs(retry: number, retryAfterMs?: number): number {
  const ceiling = Math.min(1000, 50 * 2 ** retry);
  return Math.max(retryAfterMs ?? 0, Math.random() * ceiling);
}
