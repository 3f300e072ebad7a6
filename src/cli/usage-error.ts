/**
 * A mistake in how a command was called (a bad flag value, a missing
 * project): the CLI exits with code 2 for these, and 1 for failures of the
 * work itself, so scripts can tell "fix the call" from "try again".
 */
export class UsageError extends Error {
  override name = "UsageError";
}
