import pg from "pg";
import { AbortedError, AlreadyExistsError, type DomainError, FailedPreconditionError, UnavailableError } from "../domain/errors.js";

/**
 * SQLSTATE classes and codes that mean "the database is not there right now":
 * connection exceptions (08), the server shutting down or starting
 * (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now),
 * and insufficient resources (53: too many connections, out of memory).
 */
const UNAVAILABLE_CLASSES = ["08", "53"];
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03"]);

/** Node socket errors of a database that is away or a network in between. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/** pg's own messages for a connection that ended or never came. */
const LOST_CONNECTION = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable/i;

/** What a driver failure means for the caller. */
export interface TranslatedError {
  /** The error to throw on: a DomainError where it has a meaning for the caller, else the original. */
  readonly error: unknown;
  /** True when the database could not be reached (health turns NOT_SERVING). */
  readonly unreachable: boolean;
}

/**
 * Translates PostgreSQL's and the network's failures into domain errors: a
 * database that is away or restarting is Unavailable (clients retry it), a
 * deadlock or serialization conflict is Aborted (retry it too), a
 * unique violation is AlreadyExists, a foreign-key violation
 * FailedPrecondition. Anything else stays as it is and is answered Internal.
 */
export function translateDatabaseError(err: unknown): TranslatedError {
  if (err instanceof UnavailableError) return { error: err, unreachable: true };
  if (err instanceof pg.DatabaseError || isPgError(err)) {
    const code = (err as { code?: string }).code ?? "";
    // FATAL and PANIC end the session: whatever the code, this connection is gone.
    const severity = (err as { severity?: string }).severity ?? "";
    if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CLASSES.includes(code.slice(0, 2)) || severity === "FATAL" || severity === "PANIC") {
      return { error: unavailable(err), unreachable: true };
    }
    // 40P01 deadlock_detected, 40001 serialization_failure: the transaction was rolled back; the call may be sent again.
    if (code === "40P01" || code === "40001") {
      return { error: new AbortedError("a concurrent call conflicted with this one and the database cancelled it; nothing was stored, retry it", { cause: err }), unreachable: false };
    }
    if (code === "23505") return { error: known(new AlreadyExistsError("the entity", "(a unique field is taken)"), err), unreachable: false };
    if (code === "23503") {
      return { error: known(new FailedPreconditionError("a referenced entity does not exist or was deleted", "REFERENCE_MISSING"), err), unreachable: false };
    }
    return { error: err, unreachable: false };
  }
  const code = (err as { code?: unknown })?.code;
  if ((typeof code === "string" && NETWORK_CODES.has(code)) || (err instanceof Error && LOST_CONNECTION.test(err.message))) {
    return { error: unavailable(err), unreachable: true };
  }
  // AggregateError from a connect to several addresses (localhost as ::1 and 127.0.0.1).
  if (err instanceof AggregateError && err.errors.some((e) => translateDatabaseError(e).unreachable)) return { error: unavailable(err), unreachable: true };
  return { error: err, unreachable: false };
}

function isPgError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && "severity" in err;
}

function unavailable(cause: unknown): UnavailableError {
  return new UnavailableError("the database is unavailable; retry shortly", { cause });
}

function known<E extends DomainError>(error: E, cause: unknown): E {
  (error as { cause?: unknown }).cause = cause;
  return error;
}
