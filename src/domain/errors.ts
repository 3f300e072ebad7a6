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
    | "unavailable"
    | "aborted";
  /**
   * A stable UPPER_SNAKE_CASE name of the cause, sent to clients as the
   * reason of a google.rpc.ErrorInfo so that code can branch on it instead of
   * on the message; the kind itself unless a subclass names it better.
   */
  get reason(): string {
    return this.kind.toUpperCase();
  }
  /** Facts for ErrorInfo.metadata (ids, statuses), as strings. */
  get metadata(): Record<string, string> {
    return {};
  }
}

/** The named entity does not exist. */
export class NotFoundError extends DomainError {
  readonly kind = "not_found";
  constructor(readonly entity: string, readonly ref: string | number | bigint) {
    super(`${entity} ${typeof ref === "string" ? JSON.stringify(ref) : String(ref)} not found`);
  }
  override get reason(): string {
    return `${this.entity.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase()}_NOT_FOUND`;
  }
}

/** An entity with the same unique key exists already. */
export class AlreadyExistsError extends DomainError {
  readonly kind = "already_exists";
  constructor(readonly entity: string, readonly key: string) {
    super(`${entity} ${key} already exists`);
  }
  override get reason(): string {
    return `${this.entity.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase()}_ALREADY_EXISTS`;
  }
}

/** A field of the request is wrong; the message names the field. */
export class InvalidArgumentError extends DomainError {
  readonly kind = "invalid_argument";
  constructor(readonly field: string, readonly detail: string) {
    super(`${field} ${detail}`);
  }
}

/**
 * The entity is not in a state that allows the operation. The reason names
 * the state for clients (PROJECT_ARCHIVED, CONCURRENT_CHANGE…); a message
 * alone would leave them parsing English.
 */
export class FailedPreconditionError extends DomainError {
  readonly kind = "failed_precondition";
  constructor(message: string, private readonly why = "FAILED_PRECONDITION", private readonly facts: Record<string, string> = {}) {
    super(message);
  }
  override get reason(): string {
    return this.why;
  }
  override get metadata(): Record<string, string> {
    return this.facts;
  }
}

/** A transition outside the status table (docs/architecture.md), naming both statuses. */
export class IllegalTransitionError extends FailedPreconditionError {
  constructor(readonly jobId: number, readonly from: string, readonly to: string, detail = "") {
    super(`job ${jobId} cannot go from ${from.toUpperCase()} to ${to.toUpperCase()}${detail ? `: ${detail}` : ""}`, "ILLEGAL_TRANSITION", {
      job_id: String(jobId),
      from: from.toUpperCase(),
      to: to.toUpperCase(),
    });
  }
}

/**
 * A limit on size or count was passed. With retryAfterSeconds the same call
 * may succeed later (clients get a google.rpc.RetryInfo); without, it never
 * will as it is.
 */
export class LimitExceededError extends DomainError {
  readonly kind = "resource_exhausted";
  constructor(message: string, readonly retryAfterSeconds?: number, private readonly why = "LIMIT_EXCEEDED") {
    super(message);
  }
  override get reason(): string {
    return this.why;
  }
}

/** The caller is not the one allowed (for example, not the lease holder). */
export class NotLeaseHolderError extends DomainError {
  readonly kind = "failed_precondition";
  constructor(readonly jobId: number, readonly workerId: string, readonly holder: string | null) {
    super(`worker ${JSON.stringify(workerId)} does not hold the lease on job ${jobId}${holder ? "" : " (no worker holds it)"}`);
  }
  override get reason(): string {
    return "NOT_LEASE_HOLDER";
  }
  override get metadata(): Record<string, string> {
    return { job_id: String(this.jobId), worker_id: this.workerId };
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

/**
 * PostgreSQL broke a deadlock or a serialization conflict between this call
 * and a concurrent one by cancelling this one's transaction; nothing of it was
 * stored. The same request succeeds when sent again.
 */
export class AbortedError extends DomainError {
  readonly kind = "aborted";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The caller may not do this to this entity (for example, act as a worker another principal registered). */
export class PermissionDeniedError extends DomainError {
  readonly kind = "permission_denied";
}
