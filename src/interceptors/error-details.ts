import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, ResourceInfoSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { DomainError, InvalidArgumentError, LimitExceededError, UnavailableError } from "../domain/errors.js";

/** ErrorInfo.domain of every error this server gives. */
export const ERROR_DOMAIN = "whatsnext.dev";

/** How long a client waits before trying again after Unavailable (the database restarting). */
const UNAVAILABLE_RETRY_SECONDS = 1;

const codeOfKind: Record<DomainError["kind"], Code> = {
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  invalid_argument: Code.InvalidArgument,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  permission_denied: Code.PermissionDenied,
  unavailable: Code.Unavailable,
  aborted: Code.Aborted,
};

/** The gRPC status code of a domain error (the numbers are google.rpc.Code's). */
export function codeOf(err: DomainError): Code {
  return codeOfKind[err.kind];
}

/** A detail as connect-es sends it: in grpc-status-details-bin over gRPC and gRPC-Web, in the error's JSON over Connect. */
export interface ErrorDetail<D extends DescMessage = DescMessage> {
  desc: D;
  value: MessageInitShape<D>;
}

function detail<D extends DescMessage>(desc: D, value: MessageInitShape<D>): ErrorDetail {
  return { desc, value } as ErrorDetail;
}

/**
 * The google.rpc details of a domain error, so that clients in any language
 * branch on data rather than on the message: every error has an ErrorInfo
 * with a stable reason; InvalidArgument adds a BadRequest naming the field,
 * NotFound and AlreadyExists a ResourceInfo, and errors worth retrying
 * (ResourceExhausted that passes, Unavailable) a RetryInfo.
 */
export function detailsOf(err: DomainError): ErrorDetail[] {
  const details: ErrorDetail[] = [detail(ErrorInfoSchema, { reason: err.reason, domain: ERROR_DOMAIN, metadata: err.metadata })];
  if (err instanceof InvalidArgumentError) {
    details.push(detail(BadRequestSchema, { fieldViolations: [{ field: err.field, description: err.detail }] }));
  }
  if (err.kind === "not_found" || err.kind === "already_exists") {
    const e = err as DomainError & { entity: string; ref?: unknown; key?: unknown };
    details.push(detail(ResourceInfoSchema, { resourceType: e.entity, resourceName: String(e.ref ?? e.key ?? ""), description: err.message }));
  }
  if (err instanceof LimitExceededError && err.retryAfterSeconds !== undefined) details.push(retryInfo(err.retryAfterSeconds));
  if (err instanceof UnavailableError) details.push(retryInfo(UNAVAILABLE_RETRY_SECONDS));
  return details;
}

/** A RetryInfo: the client should wait this long (ms precision) before the same call. */
export function retryInfo(seconds: number): ErrorDetail {
  const whole = Math.floor(seconds);
  return detail(RetryInfoSchema, { retryDelay: { seconds: BigInt(whole), nanos: Math.round((seconds - whole) * 1e9) } });
}

/** A BadRequest for one field, for errors raised outside the domain (transport checks). */
export function badRequest(field: string, description: string): ErrorDetail {
  return detail(BadRequestSchema, { fieldViolations: [{ field, description }] });
}

/** An ErrorInfo with this server's domain, for errors raised outside the domain (authorization, rate limits). */
export function errorInfo(reason: string, metadata: Record<string, string> = {}): ErrorDetail {
  return detail(ErrorInfoSchema, { reason, domain: ERROR_DOMAIN, metadata });
}
