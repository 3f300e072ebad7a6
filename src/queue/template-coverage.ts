/**
 * A job whose parameters leave a placeholder of its task's command empty can
 * only fail when a worker picks it up, possibly hours later. Every create path
 * (CreateJob, BatchCreateJobs, CreateSweep, ExtendSweep) refuses it at once,
 * naming the parameter, and UpdateTask refuses a command its waiting jobs
 * cannot fill.
 */
import type { Task } from "../domain/catalog.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { templatePlaceholders } from "../worker/formatters/command-template.js";

/** Filled by every worker whatever the parameters (prepare-command.ts: builtinPlaceholders). */
const BUILTIN_PLACEHOLDERS = new Set(["job_id", "job_name", "task"]);

const cache = new Map<string, string[]>();

/**
 * The placeholders of a template that parameters must fill. A template the
 * worker cannot parse has none here: the worker reports that when it runs.
 */
export function parameterPlaceholders(template: string): string[] {
  let names = cache.get(template);
  if (!names) {
    try {
      names = templatePlaceholders(template).filter((n) => !BUILTIN_PLACEHOLDERS.has(n));
    } catch {
      names = [];
    }
    if (cache.size > 1000) cache.clear();
    cache.set(template, names);
  }
  return names;
}

/** The placeholders of the task's command that `parameters` has no value for. */
export function missingParameters(task: Pick<Task, "commandTemplate">, parameters: Record<string, unknown>): string[] {
  return parameterPlaceholders(task.commandTemplate).filter((n) => !Object.hasOwn(parameters, n) || parameters[n] === undefined);
}

/** InvalidArgument on `field` when the parameters do not fill every placeholder of the task's command. */
export function checkParametersCover(field: string, task: Pick<Task, "name" | "commandTemplate">, parameters: Record<string, unknown>): void {
  const missing = missingParameters(task, parameters);
  if (missing.length === 0) return;
  const given = Object.keys(parameters);
  throw new InvalidArgumentError(
    field,
    `lack${missing.length === 1 ? "s" : ""} ${missing.map((n) => JSON.stringify(n)).join(", ")}, which the command of task ${JSON.stringify(task.name)} uses ` +
      `(${missing.map((n) => `{${n}}`).join(", ")} in ${JSON.stringify(task.commandTemplate)}); given: ${given.length ? given.join(", ") : "no parameters"}`,
  );
}
