/**
 * Checks of formatter settings, run when a formatter is created so that a
 * bad worker configuration stops the worker at start-up, naming the setting,
 * instead of failing every job it claims.
 */
import { FormatterSettingsError } from "./errors.js";

/** Throws unless `value` is undefined or a finite number > 0. */
export function checkPositiveNumber(setting: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new FormatterSettingsError(setting, `must be a number greater than 0, got ${JSON.stringify(value)}`);
  }
}

/** Throws unless `value` is undefined or a finite number ≥ 0 (0 meaning "do not ask for any"). */
export function checkNonNegativeNumber(setting: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new FormatterSettingsError(setting, `must be a number of at least 0, got ${JSON.stringify(value)}`);
  }
}

/** Throws unless `value` is undefined or a non-empty string. */
export function checkOptionalString(setting: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "string" || value === "") {
    throw new FormatterSettingsError(setting, `must be a non-empty string, got ${JSON.stringify(value)}`);
  }
}

/** Throws unless `value` is a non-empty string. */
export function checkRequiredString(setting: string, value: unknown): void {
  if (value === undefined) throw new FormatterSettingsError(setting, "is required");
  checkOptionalString(setting, value);
}

/** Throws unless `value` is undefined or an array of strings. */
export function checkStringArray(setting: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new FormatterSettingsError(setting, `must be a list of strings, got ${JSON.stringify(value)}`);
  }
}

/**
 * Throws unless `value` is undefined, a non-empty string or a finite number.
 * For settings a scheduler takes as text but people write as numbers
 * (`--set time=10`, `mem: 4000` in YAML); the formatter passes them on as text.
 */
export function checkTextOrNumber(setting: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value === "number" && Number.isFinite(value)) return;
  if (typeof value !== "string" || value.trim() === "") {
    throw new FormatterSettingsError(setting, `must be a non-empty string or a number, got ${JSON.stringify(value)}`);
  }
}

/** Throws unless `value` is undefined or true/false. */
export function checkOptionalBoolean(setting: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== "boolean") throw new FormatterSettingsError(setting, `must be true or false, got ${JSON.stringify(value)}`);
}
