/**
 * Parsers for flag values, each throwing a UsageError (exit 2) that names the
 * flag, so `--priority x` fails before anything reaches the server.
 */
import { InvalidArgumentError } from "commander";
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { parseDurationSeconds } from "../duration.js";

/** A whole number ≥ 0 for `flag`; commander reports the error and exits with 2. */
export function parseCount(flag: string): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) {
      throw new InvalidArgumentError(`${flag} must be a whole number of at least 0, got ${JSON.stringify(text)}`);
    }
    return value;
  };
}

/** A whole number ≥ 1 for `flag`. */
export function parsePositive(flag: string): (text: string) => number {
  return (text) => {
    const value = parseCount(flag)(text);
    if (value < 1) throw new InvalidArgumentError(`${flag} must be a whole number of at least 1, got ${JSON.stringify(text)}`);
    return value;
  };
}

/** Any 32-bit whole number (priorities may be negative). */
export function parseInt32(flag: string): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1) {
      throw new InvalidArgumentError(`${flag} must be a whole number, got ${JSON.stringify(text)}`);
    }
    return value;
  };
}

/** A duration of at least a second (90s, 10m, 1h30m, 1:30:00), as whole seconds. */
export function parseDuration(flag: string): (text: string) => number {
  return (text) => {
    const seconds = parseDurationSeconds(text);
    if (seconds === undefined || seconds < 1) throw new InvalidArgumentError(`${flag} must be a duration such as 90s, 10m or 1h30m, got ${JSON.stringify(text)}`);
    return seconds;
  };
}

/** A positive job id. */
export function parseId(what: string): (text: string) => bigint {
  return (text) => {
    if (!/^[1-9][0-9]{0,18}$/.test(text.trim())) throw new InvalidArgumentError(`${what} must be a positive id, got ${JSON.stringify(text)}`);
    return BigInt(text.trim());
  };
}

/** Comma-separated ids, repeatable: `--depends 1,2 --depends 3`. */
export function collectIds(what: string): (text: string, previous: bigint[] | undefined) => bigint[] {
  return (text, previous = []) => [
    ...previous,
    ...text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
      .map((s) => parseId(what)(s)),
  ];
}

/**
 * `--param key=value`, repeatable. The value is read as JSON when it is
 * valid JSON (`lr=0.1` is a number, `tags=["a"]` a list, `on=true` a
 * boolean) and as a string otherwise (`model=resnet`); quote to force a
 * string: `seed='"7"'`.
 */
export function collectParam(text: string, previous: JsonObject | undefined): JsonObject {
  const at = text.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`--param must look like key=value, got ${JSON.stringify(text)}`);
  const key = text.slice(0, at).trim();
  if (key === "") throw new InvalidArgumentError(`--param must look like key=value, got ${JSON.stringify(text)}`);
  return { ...previous, [key]: parseParamValue(text.slice(at + 1)) };
}

/** JSON when it parses, the text itself otherwise. */
export function parseParamValue(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}
