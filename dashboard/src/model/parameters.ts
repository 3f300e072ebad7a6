import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

/** A parameter value as people write it: numbers and words bare, anything else as JSON. */
export function formatValue(value: JsonValue | undefined): string {
  if (value === undefined) return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return JSON.stringify(value);
}

/** A job's parameters on one line: `lr=0.1 seed=3`. */
export function parametersText(parameters: JsonObject | undefined): string {
  return Object.entries(parameters ?? {})
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(" ");
}

/** One `key=value` condition of a parameter filter. */
export interface ParameterCondition {
  readonly key: string;
  readonly value: string;
}

/** Thrown for a filter that is not `key=value` pairs, naming the bad part. */
export class ParameterFilterError extends Error {}

/**
 * Parses `lr=0.1 seed=3` or `lr=0.1, seed=3` into conditions; a job matches
 * when each named parameter has that value (compared as written, so `0.1`
 * matches the number 0.1 and the string "0.1").
 */
export function parseParameterFilter(text: string): ParameterCondition[] {
  const conditions: ParameterCondition[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new ParameterFilterError(`parameter filter "${part}" must be name=value`);
    conditions.push({ key: part.slice(0, eq), value: part.slice(eq + 1) });
  }
  return conditions;
}

/** Whether the parameters meet every condition. */
export function matchesParameters(parameters: JsonObject | undefined, conditions: readonly ParameterCondition[]): boolean {
  return conditions.every(({ key, value }) => {
    const actual = parameters?.[key];
    if (actual === undefined) return false;
    return formatValue(actual) === value || JSON.stringify(actual) === value;
  });
}

/** Orders parameter values: numbers by size, then everything else by its text. */
export function compareValues(a: JsonValue | undefined, b: JsonValue | undefined): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return formatValue(a).localeCompare(formatValue(b), undefined, { numeric: true });
}
