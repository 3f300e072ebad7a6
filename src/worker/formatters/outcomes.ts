/**
 * Small constructors for RunOutcome shared by the formatters, so every
 * "nothing ran" or "cancelled" outcome reads the same on the dashboard.
 */
import type { RunOutcome } from "./types.js";

/** The job failed before anything was started (bad template, settings, submission refused). */
export function notStartedOutcome(message: string, outputTail = "", command = ""): RunOutcome {
  return { success: false, exitCode: null, message, outputTail, command, aborted: false };
}

/** The run was stopped because the context's signal fired. */
export function abortedOutcome(message: string, command: string, outputTail = "", exitCode: number | null = null): RunOutcome {
  return { success: false, exitCode, message, outputTail, command, aborted: true };
}
