/**
 * Errors of the domain, one module every layer may import: the database layer
 * translates PostgreSQL's failures into them, the queue and the services throw
 * them, and src/interceptors/error-mapping.ts turns each into a ConnectError
 * code in one place.
 */
export abstract class DomainError extends Error {
  abstract readonly kind:
    | "not_found"
    | "already_exists"
    | "invalid_argument"
    | "failed_precondition"
    | "resource_exhausted"
    | "permission_denied"
    | "unavailable";
}

/** The named entity does not exist. */
export class NotFoundError extends DomainError {
  readonly kind = "not_found";
  constructor(readonly entity: string, readonly ref: string | number | bigint) {
    super(`${entity} ${typeof ref === "string" ? JSON.stringify(ref) : String(ref)} not found`);
  }
}

/** An entity with the same unique key exists already. */
export class AlreadyExistsError extends DomainError {
  readonly kind = "already_exists";
  constructor(readonly entity: string, readonly key: string) {
    super(`${entity} ${key} already exists`);
  }
}

/** A field of the request is wrong; the message names the field. */
export class InvalidArgumentError extends DomainError {
  readonly kind = "invalid_argument";
  constructor(readonly field: string, detail: string) {
    super(`${field} ${detail}`);
  }
}

/** The entity is not in a state that allows the operation. */
export class FailedPreconditionError extends DomainError {
  readonly kind = "failed_precondition";
}

/** A transition outside the status table (docs/architecture.md), naming both statuses. */
export class IllegalTransitionError extends FailedPreconditionError {
  constructor(readonly jobId: number, readonly from: string, readonly to: string, detail = "") {
    super(`job ${jobId} cannot go from ${from.toUpperCase()} to ${to.toUpperCase()}${detail ? `: ${detail}` : ""}`);
  }
}

/** A limit on size or count was passed. */
export class LimitExceededError extends DomainError {
  readonly kind = "resource_exhausted";
}

/** The caller is not the one allowed (for example, not the lease holder). */
export class NotLeaseHolderError extends DomainError {
  readonly kind = "failed_precondition";
  constructor(readonly jobId: number, readonly workerId: string, readonly holder: string | null) {
    super(`worker ${JSON.stringify(workerId)} does not hold the lease on job ${jobId}${holder ? "" : " (no worker holds it)"}`);
  }
}

/**
 * The database cannot be reached or is restarting. Callers may retry: the
 * same request succeeds once it is back. Carries the driver's error as cause
 * for the log; the caller sees only this message.
 */
export class UnavailableError extends DomainError {
  readonly kind = "unavailable";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The caller may not do this to this entity (for example, act as a worker another principal registered). */
export class PermissionDeniedError extends DomainError {
  readonly kind = "permission_denied";
}
