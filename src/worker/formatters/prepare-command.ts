/**
 * From a job to the argv of its command, shared by every formatter: the cli
 * formatter runs it, slurm writes it into a batch script, runai passes it to
 * the container.
 */
import { fillCommandTemplate, parameterToText } from "./command-template.js";
import { CommandTemplateError } from "./errors.js";
import { formatCommandLine } from "./shell-quote.js";
import type { JobForFormatting, PreparedRun } from "./types.js";

/**
 * How a worker runs jobs whose task has no command_template: `executable
 * [script] --key value …` (keys sorted), e.g. `python train.py --lr 0.1`.
 */
export interface CommandSettings {
  /** Program for tasks with an empty command_template, e.g. "python". */
  executable?: string;
  /** First argument of `executable`, e.g. "train.py". */
  script?: string;
}

/**
 * Placeholders every template may use besides the job's parameters. They win
 * over a parameter of the same name, so `{job_id}` always names the job.
 */
export function builtinPlaceholders(job: JobForFormatting): Record<string, string> {
  return { job_id: String(job.id), job_name: job.name, task: job.taskName };
}

/** Variables every job gets, so a program can find its own job without parsing its arguments. */
export function jobEnvironment(job: JobForFormatting): Record<string, string> {
  return { WHATSNEXT_JOB_ID: String(job.id), WHATSNEXT_JOB_NAME: job.name, WHATSNEXT_TASK: job.taskName };
}

/**
 * Builds the job's argv: from the task's command_template when it has one,
 * else from `executable` + `script` with one `--key value` pair per
 * parameter. Throws CommandTemplateError (the job fails with its message and
 * nothing runs) when neither gives a command or a placeholder has no value.
 */
export function prepareCommand(job: JobForFormatting, settings: CommandSettings = {}): PreparedRun {
  let argv: string[];
  if (job.commandTemplate.trim() !== "") {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(job.parameters)) {
      if (value !== undefined) values[key] = parameterToText(value);
    }
    Object.assign(values, builtinPlaceholders(job));
    argv = fillCommandTemplate(job.commandTemplate, values, `job ${job.id}`);
    if (argv.length === 0 || argv[0] === "") {
      throw new CommandTemplateError(`command_template of task "${job.taskName}" gives no program to run`);
    }
  } else if (settings.executable) {
    argv = [settings.executable];
    if (settings.script) argv.push(settings.script);
    for (const key of Object.keys(job.parameters).sort()) {
      const value = job.parameters[key];
      if (value !== undefined) argv.push(`--${key}`, parameterToText(value));
    }
  } else {
    throw new CommandTemplateError(
      `task "${job.taskName}" has an empty command_template and this worker has no executable configured to run it with`,
    );
  }
  const withNul = argv.findIndex((argument) => argument.includes("\0"));
  if (withNul >= 0) {
    throw new CommandTemplateError(`argument ${withNul} of job ${job.id}'s command contains a NUL character, which no program argument can hold`);
  }
  return { argv, env: jobEnvironment(job), display: formatCommandLine(argv) };
}
