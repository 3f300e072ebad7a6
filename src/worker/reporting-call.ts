import { Code, ConnectError } from "@connectrpc/connect";

/** How many times a report is tried while the server is unreachable or busy. */
const REPORT_ATTEMPTS = 5;

/**
 * Runs a reporting call (finish, release, deactivate), retrying with backoff
 * while the server is unreachable or rate-limits; any other refusal, or the
 * last failure, is handed to onFailure (never thrown): a report that cannot
 * be made must not stop the worker, and the lease rules put the job back.
 */
export async function reportWithRetries(fn: () => Promise<unknown>, onFailure: (err: unknown) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      if (!isRetryable(err) || attempt >= REPORT_ATTEMPTS) {
        onFailure(err);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}

/** Codes a client tries again: the server (or its database) is away, asks to slow down, or cancelled a call that conflicted with another. */
export function isRetryable(err: unknown): boolean {
  return err instanceof ConnectError && (err.code === Code.Unavailable || err.code === Code.ResourceExhausted || err.code === Code.Aborted);
}

/** Errors a worker cannot fix by trying again: wrong key, no permission, no such project. */
export function isFatal(err: unknown): boolean {
  return err instanceof ConnectError && [Code.Unauthenticated, Code.PermissionDenied, Code.NotFound, Code.InvalidArgument, Code.Unimplemented].includes(err.code);
}

/** One line for a client error, with the code's name. */
export function describeError(err: unknown): string {
  if (err instanceof ConnectError) return `${Code[err.code]}: ${err.rawMessage}`;
  return err instanceof Error ? err.message : String(err);
}
