import { Code, ConnectError } from "@connectrpc/connect";
import { createAsyncIterable, encodeEnvelope, type UniversalHandler, type UniversalServerRequest, type UniversalServerResponse } from "@connectrpc/connect/protocol";
import { codeToHttpStatus, errorFromJsonBytes, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { createTrailerSerialization, trailerFlag } from "@connectrpc/connect/protocol-grpc-web";
import type { Logger } from "pino";
import { undecodableRequestError } from "../interceptors/error-mapping.js";
import { peerKey, requestIdKey } from "./context.js";
import { invalidUtf8InGetMessage } from "./strict-utf8.js";

const requestIdHeader = "x-request-id";
const grpcWebTrailer = createTrailerSerialization();

/**
 * Wraps connect's handler of one RPC so that the errors it answers before any
 * interceptor runs look like every other error: they carry the request id
 * (x-request-id, in the headers for Connect, in the trailers for gRPC and
 * gRPC-Web), a request that cannot be decoded is InvalidArgument rather than
 * connect-es's Internal, and each is logged as a failed call. A unary call's
 * request message is read before the interceptors on every protocol (a
 * streaming call's inside them, where errorMappingInterceptor recodes it), so
 * only unary handlers are wrapped.
 *
 * Connect has already written the error in the protocol's form when the
 * handler returns; it is read back and written again with connect's own
 * (de)serializers. Answers that went through the interceptors carry the
 * request id already and pass unchanged, as do successful ones.
 */
export function answerEarlyErrorsLikeOthers(handler: UniversalHandler, logger: Logger): UniversalHandler {
  if (handler.method.methodKind !== "unary") return handler;
  const method = handler.method;
  const name = `${handler.service.typeName}/${method.name}`;
  const wrapped = async (req: UniversalServerRequest): Promise<UniversalServerResponse> => {
    const started = performance.now();
    const requestId = req.contextValues?.get(requestIdKey) ?? "";
    const recode = (err: ConnectError): ConnectError => {
      let out = undecodableRequestError(err, method);
      if (!out) {
        out = new ConnectError(err.rawMessage, err.code, undefined, undefined, err);
        out.details = err.details;
      }
      out.metadata.set(requestIdHeader, requestId);
      logger.child({ requestId }).info({ method: name, peer: req.contextValues?.get(peerKey).address, code: out.code, ms: Math.round(performance.now() - started) }, "call failed");
      return out;
    };
    if (req.method === "GET" && handler.allowedMethods.includes("GET")) {
      // The message of a Connect GET is read by connect-es with URLSearchParams, which hides bytes that are not UTF-8.
      const notUtf8 = invalidUtf8InGetMessage(req.url);
      if (notUtf8 !== undefined) return connectErrorResponse(recode(new ConnectError(notUtf8, Code.InvalidArgument)));
    }
    const res = await handler(req);
    const contentType = res.header?.get("content-type") ?? "";
    if (contentType.startsWith("application/grpc-web")) return grpcWebEarlyError(res, recode);
    if (contentType.startsWith("application/grpc")) return grpcEarlyError(res, recode);
    if (contentType.startsWith("application/json") && res.status !== 200) return connectEarlyError(res, recode);
    return res;
  };
  return Object.assign(wrapped, {
    service: handler.service,
    method: handler.method,
    requestPath: handler.requestPath,
    supportedContentType: handler.supportedContentType,
    protocolNames: handler.protocolNames,
    allowedMethods: handler.allowedMethods,
  });
}

/** A Connect unary error: the HTTP status and a JSON body, the metadata in the headers. */
function connectErrorResponse(err: ConnectError, header = new Headers()): UniversalServerResponse {
  const body = errorToJsonBytes(err, {});
  header.set("content-type", "application/json");
  header.set("content-length", String(body.byteLength));
  err.metadata.forEach((value, key) => header.set(key, value));
  return { status: codeToHttpStatus(err.code), header, body: createAsyncIterable([body]) };
}

async function connectEarlyError(res: UniversalServerResponse, recode: (err: ConnectError) => ConnectError): Promise<UniversalServerResponse> {
  // A compressed error body is left alone: connect compresses only bodies of 1 KiB or more, which its own errors are not.
  if (res.header?.has(requestIdHeader) || res.header?.has("content-encoding") || !res.body || !(Symbol.asyncIterator in res.body)) return res;
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body) chunks.push(chunk);
  const err = errorFromJsonBytes(Buffer.concat(chunks), undefined, new ConnectError(`HTTP ${res.status}`, Code.Unknown));
  return connectErrorResponse(recode(err), res.header);
}

function grpcEarlyError(res: UniversalServerResponse, recode: (err: ConnectError) => ConnectError): UniversalServerResponse {
  // A unary call's trailers are complete when its handler returns: connect waits for the first body bytes.
  const err = res.trailer ? findTrailerError(res.trailer) : undefined;
  if (!err || res.trailer!.has(requestIdHeader)) return res;
  res.trailer!.delete("grpc-status-details-bin");
  setTrailerStatus(res.trailer!, recode(err));
  return res;
}

async function grpcWebEarlyError(res: UniversalServerResponse, recode: (err: ConnectError) => ConnectError): Promise<UniversalServerResponse> {
  if (!res.body || !(Symbol.asyncIterator in res.body)) return res;
  // The first body chunk is already read (connect waits for it); a trailer envelope first is an error before any message.
  const it = res.body[Symbol.asyncIterator]();
  const first = await it.next();
  let chunk = first.done ? undefined : first.value;
  if (chunk && chunk[0] === trailerFlag) {
    const trailer = grpcWebTrailer.parse(chunk.subarray(5));
    const err = findTrailerError(trailer);
    if (err && !trailer.has(requestIdHeader)) {
      const fixed = setTrailerStatus(new Headers(), recode(err));
      chunk = encodeEnvelope(trailerFlag, grpcWebTrailer.serialize(fixed));
    }
  }
  return { ...res, body: replay(chunk, it) };
}

/** The body again: the chunk already read, then the rest. */
async function* replay(first: Uint8Array | undefined, rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  try {
    if (first === undefined) return;
    yield first;
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
  } finally {
    await rest.return?.();
  }
}
