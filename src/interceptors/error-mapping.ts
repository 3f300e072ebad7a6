import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";
import { loggerKey, requestIdKey } from "../server/context.js";
import { codeOf, detailsOf } from "./error-details.js";

const parseBinaryPrefix = "parse binary: ";

/**
 * The caller's fault, told as such: connect-es reports a request message it
 * cannot parse from the binary format (bytes that are not protobuf, a string
 * that is not UTF-8, nesting deeper than 100) as Internal, "parse binary:
 * …" (createBinarySerialization in @connectrpc/connect), where the same
 * input in JSON is InvalidArgument; and connect-node reports a compressed
 * request cut short as Internal "decompression failed", where other bad
 * compressed bytes are InvalidArgument. Returns the InvalidArgument error to
 * answer instead, or undefined for any other error.
 */
export function undecodableRequestError(err: ConnectError, method: DescMethod): ConnectError | undefined {
  if (err.code !== Code.Internal) return undefined;
  if (err.rawMessage === "decompression failed") {
    return new ConnectError(`cannot decompress message ${method.input.typeName}: the bytes are not valid for the encoding the request names`, Code.InvalidArgument, undefined, undefined, err);
  }
  if (!err.rawMessage.startsWith(parseBinaryPrefix)) return undefined;
  let reason = err.rawMessage.slice(parseBinaryPrefix.length);
  // What Node's strict TextDecoder says about a string field's bytes.
  if (reason === "The encoded data was not valid for encoding utf-8") reason = "a string field is not valid UTF-8";
  const message = reason.startsWith("cannot decode ") ? reason : `cannot decode message ${method.input.typeName} from binary: ${reason}`;
  return new ConnectError(message, Code.InvalidArgument, undefined, undefined, err);
}

/**
 * Turns any error into the ConnectError the caller may see. Domain errors keep
 * their message and carry google.rpc details (error-details.ts); anything unexpected is logged with the request id and
 * answered as Internal naming only that id, never a stack or SQL.
 */
export function toConnectError(err: unknown, requestId: string, log?: (err: unknown) => void, method?: DescMethod): ConnectError {
  if (err instanceof ConnectError) return (method && undecodableRequestError(err, method)) || err;
  if (err instanceof DomainError) return new ConnectError(err.message, codeOf(err), undefined, detailsOf(err), err);
  log?.(err);
  return new ConnectError(`internal error (request id ${requestId})`, Code.Internal, undefined, undefined, err);
}

/**
 * The innermost interceptor: errors leave the service only as ConnectError.
 * A streaming call reads its request message inside the interceptors, so an
 * undecodable one is recoded here; a unary call's is read before any
 * interceptor runs (see server/early-errors.ts).
 */
export const errorMappingInterceptor: Interceptor = (next) => async (req) => {
  const requestId = req.contextValues.get(requestIdKey);
  const log = (err: unknown) => req.contextValues.get(loggerKey)?.error({ err, method: req.method.name }, "internal error");
  try {
    const res = await next(req);
    if (!res.stream) return res;
    return {
      ...res,
      message: (async function* () {
        try {
          yield* res.message;
        } catch (err) {
          throw toConnectError(err, requestId, log, req.method);
        }
      })(),
    };
  } catch (err) {
    throw toConnectError(err, requestId, log, req.method);
  }
};
