/**
 * Small constructors for RunOutcome shared by the formatters, so every
 * "nothing ran" or "cancelled" outcome reads the same on the dashboard.
 */
import { CommandTemplateError } from "./errors.js";
import type { RunOutcome } from "./types.js";

/** The job failed before anything was started (bad template, settings, submission refused). */
export function notStartedOutcome(message: string, outputTail = "", command = ""): RunOutcome {
  return { success: false, exitCode: null, message, outputTail, command, aborted: false };
}

/** The run was stopped because the context's signal fired. */
export function abortedOutcome(message: string, command: string, outputTail = "", exitCode: number | null = null): RunOutcome {
  return { success: false, exitCode, message, outputTail, command, aborted: true };
}

/** The cluster did not answer (controller down, tools missing): the job is given back, not failed. */
export function clusterUnavailableOutcome(message: string, command = "", outputTail = ""): RunOutcome {
  return { success: false, exitCode: null, message, outputTail, command, aborted: false, clusterUnavailable: true };
}

/**
 * The outcome of a job whose command could not be built: a CommandTemplateError
 * fails the job with its message (nothing ran); anything else is a bug and is rethrown.
 */
export function commandTemplateFailure(error: unknown): RunOutcome {
  if (error instanceof CommandTemplateError) return notStartedOutcome(error.message);
  throw error;
}
