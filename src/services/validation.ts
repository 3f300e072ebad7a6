import { InvalidArgumentError } from "../domain/errors.js";

/** Limits on input, each refused with InvalidArgument naming the limit. */
export const LIMITS = {
  nameLength: 128,
  jobNameLength: 256,
  descriptionLength: 4096,
  commandTemplateLength: 16 * 1024,
  parametersBytes: 64 * 1024,
  outputTailBytes: 64 * 1024,
  messageLength: 16 * 1024,
  batchSize: 10_000,
  dependencyCount: 1_000,
  pageSizeDefault: 100,
  pageSizeMax: 1_000,
  maxAttempts: 100,
  waitSecondsMax: 60,
  maxJobsPerFetch: 1_000,
  requiredResourceMax: 1_000_000,
} as const;

// Control characters make names unprintable in tables and logs.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A name: trimmed, 1..max characters, no control characters. */
export function requireName(field: string, value: string, max: number = LIMITS.nameLength): string {
  const name = value.trim();
  if (name.length === 0) throw new InvalidArgumentError(field, "must not be empty");
  if (name.length > max) throw new InvalidArgumentError(field, `must be at most ${max} characters, got ${name.length}`);
  if (CONTROL.test(name)) throw new InvalidArgumentError(field, "must not contain control characters");
  return name;
}

/** Free text up to max characters. */
export function requireText(field: string, value: string, max: number): string {
  if (value.length > max) throw new InvalidArgumentError(field, `must be at most ${max} characters, got ${value.length}`);
  return value;
}

/** A whole number in [min, max]. */
export function requireIntInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** An int64 id from the wire: positive and within JavaScript's exact range. */
export function requireId(field: string, value: bigint): number {
  if (value <= 0n) throw new InvalidArgumentError(field, `must be a positive id, got ${value}`);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError(field, `is out of range: ${value}`);
  return Number(value);
}

/** The longest expected duration or available time a request may give: a year and a day. */
export const MAX_DURATION_SECONDS = 366 * 86_400;

/**
 * A google.protobuf.Duration as whole seconds: unset is null; otherwise 1
 * second to MAX_DURATION_SECONDS (a fraction is rounded up, so a job never
 * looks shorter than it is). With allowZero, a zero duration is 0 (for
 * "clear it").
 */
export function requireDurationSeconds(field: string, value: { seconds: bigint; nanos: number } | undefined, allowZero = false): number | null {
  if (value === undefined) return null;
  const total = Number(value.seconds) + value.nanos / 1e9;
  if (!Number.isFinite(total) || total < 0) throw new InvalidArgumentError(field, `must not be negative, got ${total} s`);
  if (total === 0 && allowZero) return 0;
  const seconds = Math.ceil(total);
  if (seconds < 1 || seconds > MAX_DURATION_SECONDS) throw new InvalidArgumentError(field, `must be between 1 s and ${MAX_DURATION_SECONDS} s (366 days), got ${total} s`);
  return seconds;
}
