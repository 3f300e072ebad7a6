/**
 * Telling a broken connection from an answer. connect-node reports a call
 * whose connection failed under it with whatever code its transport picked:
 * a write into a connection the server had closed (EPIPE) is INTERNAL, a
 * reset (ECONNRESET) is ABORTED, an HTTP/2 stream the dying server cancelled
 * is CANCELLED. None is the server's answer: the call may or may not have
 * reached it, and the server may be gone. grpc-js, grpcio and the gRPC
 * specification call that UNAVAILABLE, the code callers retry; so does this
 * interceptor, on every transport, leaving alone what the server did answer
 * and a cancel the caller asked for.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/**
 * Error codes of Node's sockets and HTTP/2 sessions that mean the connection
 * failed, not that the server answered. connect-node keeps the Node error as
 * the ConnectError's cause.
 */
const CONNECTION_FAILURES: ReadonlySet<string> = new Set([
  "EPIPE",
  "ECONNRESET",
  "ECONNABORTED",
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ETIMEDOUT",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_PREMATURE_CLOSE",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_INVALID_STREAM",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
]);

/** Whether `err` is a failure of the connection under a call rather than an answer (see the file's comment). */
export function isBrokenConnection(err: ConnectError, request: { readonly header: Headers }): boolean {
  if (err.metadata.has("grpc-status")) return false;
  if (causeCodes(err).some((c) => CONNECTION_FAILURES.has(c))) return true;
  // An HTTP/2 stream reset (RST_STREAM CANCEL or INTERNAL_ERROR from a
  // server that is going away) carries no Node error. Over gRPC every answer
  // of a server has a grpc-status, so a CANCELLED or ABORTED without one is
  // the transport's; over the Connect protocol a server's ABORTED has none,
  // so there only a Node error (above) says the connection broke.
  const grpc = request.header.get("content-type")?.startsWith("application/grpc") ?? false;
  return grpc && (err.code === Code.Canceled || err.code === Code.Aborted);
}

/** Turns a broken connection (isBrokenConnection) into UNAVAILABLE, keeping the original error as the cause. */
export const brokenConnectionIsUnavailable: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (err) {
    if (!(err instanceof ConnectError) || req.signal.aborted || err.code === Code.Unavailable) throw err;
    if (!isBrokenConnection(err, req)) throw err;
    throw new ConnectError(`the connection to the server broke: ${err.rawMessage}`, Code.Unavailable, err.metadata, undefined, err);
  }
};

/** The Node error codes (EPIPE, ERR_HTTP2_…) along an error's cause chain, outermost first. */
export function causeCodes(err: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  for (let e = err; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
  }
  return codes;
}
