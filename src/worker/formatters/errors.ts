/**
 * Errors of the formatters. A job's bad command ends as a failed RunOutcome
 * carrying the message; bad worker settings stop the worker at start-up.
 */

/** The job's command cannot be built (missing parameter, unbalanced quote, …); nothing was run. */
export class CommandTemplateError extends Error {
  override readonly name = "CommandTemplateError";
}

/** A formatter setting is missing or invalid; the message names the setting. */
export class FormatterSettingsError extends Error {
  override readonly name = "FormatterSettingsError";
  constructor(readonly setting: string, detail: string) {
    super(`${setting} ${detail}`);
  }
}
