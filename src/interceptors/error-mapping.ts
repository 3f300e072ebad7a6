import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";
import { loggerKey, requestIdKey } from "../server/context.js";

const codeOfKind: Record<DomainError["kind"], Code> = {
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  invalid_argument: Code.InvalidArgument,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  permission_denied: Code.PermissionDenied,
  unavailable: Code.Unavailable,
};

/**
 * Turns any error into the ConnectError the caller may see. Domain errors keep
 * their message; anything unexpected is logged with the request id and
 * answered as Internal naming only that id, never a stack or SQL.
 */
export function toConnectError(err: unknown, requestId: string, log?: (err: unknown) => void): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof DomainError) return new ConnectError(err.message, codeOfKind[err.kind], undefined, undefined, err);
  log?.(err);
  return new ConnectError(`internal error (request id ${requestId})`, Code.Internal, undefined, undefined, err);
}

/** The innermost interceptor: errors leave the service only as ConnectError. */
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
          throw toConnectError(err, requestId, log);
        }
      })(),
    };
  } catch (err) {
    throw toConnectError(err, requestId, log);
  }
};
