import { Code, ConnectError } from "@connectrpc/connect";
import { REQUEST_ID_HEADER } from "./clients.js";

/** An API failure as one line a person can read and quote. */
export interface ReadableError {
  readonly text: string;
  /** The call's request id, to find the server's log line. */
  readonly requestId?: string;
}

const CODE_WORDS: Partial<Record<Code, string>> = {
  [Code.NotFound]: "not found",
  [Code.InvalidArgument]: "invalid argument",
  [Code.FailedPrecondition]: "not allowed in this state",
  [Code.PermissionDenied]: "permission denied",
  [Code.Unauthenticated]: "not signed in",
  [Code.ResourceExhausted]: "rate limited",
  [Code.Unavailable]: "server unavailable",
  [Code.Internal]: "internal server error",
  [Code.DeadlineExceeded]: "timed out",
  [Code.AlreadyExists]: "already exists",
};

/** Turns whatever a call threw into one readable line with its request id. */
export function readableError(err: unknown, doing?: string): ReadableError {
  const prefix = doing ? `${doing}: ` : "";
  if (err instanceof ConnectError) {
    const requestId = err.metadata.get(REQUEST_ID_HEADER) ?? undefined;
    // fetch() failing (server down, network gone) reaches us as Unknown/Unavailable with the browser's words.
    if (/failed to fetch|networkerror|load failed/i.test(err.rawMessage)) {
      return { text: `${prefix}could not reach the server (${err.rawMessage})`, requestId };
    }
    const words = CODE_WORDS[err.code] ?? Code[err.code]?.toLowerCase() ?? "error";
    return { text: `${prefix}${err.rawMessage || words} (${words})`, requestId };
  }
  if (err instanceof Error) return { text: `${prefix}${err.message}` };
  return { text: `${prefix}${String(err)}` };
}
