import { ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { loggerKey, peerKey, requestIdKey } from "../server/context.js";

/**
 * The outermost interceptor: binds a child logger carrying the request id,
 * echoes the id to the caller in `x-request-id`, and logs one line per call.
 */
export function requestLoggingInterceptor(root: Logger): Interceptor {
  return (next) => async (req) => {
    const requestId = req.contextValues.get(requestIdKey);
    const log = root.child({ requestId });
    req.contextValues.set(loggerKey, log);
    const started = performance.now();
    const method = `${req.service.typeName}/${req.method.name}`;
    const peer = req.contextValues.get(peerKey).address;
    try {
      const res = await next(req);
      res.header.set("x-request-id", requestId);
      log.debug({ method, peer, ms: Math.round(performance.now() - started) }, "call");
      return res;
    } catch (err) {
      const ce = ConnectError.from(err);
      ce.metadata.set("x-request-id", requestId);
      log.info({ method, peer, code: ce.code, ms: Math.round(performance.now() - started) }, "call failed");
      throw ce;
    }
  };
}
