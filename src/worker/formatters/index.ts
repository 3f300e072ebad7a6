/**
 * The formatters of the worker runtime: how a claimed job becomes a running
 * command (cli), a SLURM job (slurm) or a Run:ai job (runai). The runtime
 * needs only `createFormatter(settings)` and the types; the rest is exported
 * for tests and tools that want to show a command without running it.
 */
import { createCliFormatter, type CliFormatterSettings } from "./cli.js";
import { createRunaiFormatter, type RunaiFormatterSettings } from "./runai.js";
import { createSlurmFormatter, type SlurmFormatterSettings } from "./slurm/index.js";
import { FormatterSettingsError } from "./errors.js";
import type { Formatter } from "./types.js";

export type { CliFormatterSettings } from "./cli.js";
export { createCliFormatter } from "./cli.js";
export type { RunaiDescription, RunaiFormatterSettings } from "./runai.js";
export {
  buildRunaiSubmitArgv,
  classifyRunaiStatus,
  createRunaiFormatter,
  parseRunaiDescribe,
  runaiEnvironment,
  runaiEnvironmentName,
  runaiJobName,
} from "./runai.js";
export type { SacctRecord, SlurmEnd, SlurmFormatterSettings, SqueueAnswer, SqueueRecord } from "./slurm/index.js";
export {
  answersOfRound,
  buildArrayScript,
  buildBatchScript,
  buildSbatchArgv,
  createSlurmFormatter,
  DEFAULT_NEVER_RUNS_REASONS,
  isClusterUnreachable,
  neverRuns,
  parseSacctOutput,
  parseSbatchAnswer,
  parseSbatchJobId,
  parseSlurmExitCode,
  parseSqueueOutput,
  parseWaitStatus,
  reportedExitCode,
  resolveSlurmFolders,
  sbatchResourceOptions,
  slurmCpusHeld,
  slurmEndOutcome,
  SLURM_FINAL_STATES,
  squeueArgv,
} from "./slurm/index.js";
export type { TemplateSegment, TemplateWord } from "./command-template.js";
export { fillCommandTemplate, parameterToText, parseCommandTemplate, templatePlaceholders } from "./command-template.js";
export type { CommandSettings } from "./prepare-command.js";
export { builtinPlaceholders, jobEnvironment, prepareCommand } from "./prepare-command.js";
export { CommandTemplateError, FormatterSettingsError } from "./errors.js";
export { LeaveRunning, leavesRunning } from "./leave-running.js";
export { formatCommandLine, quoteShellArgument } from "./shell-quote.js";
export type { Formatter, FormatterName, JobForFormatting, PreparedRun, RunContext, RunOutcome, SchedulerHandle, SchedulerState } from "./types.js";

/** A worker's formatter configuration, one of the three kinds, as read from its config file. */
export type FormatterSettings =
  | ({ kind: "cli" } & CliFormatterSettings)
  | ({ kind: "slurm" } & SlurmFormatterSettings)
  | ({ kind: "runai" } & RunaiFormatterSettings);

/**
 * Creates the formatter a worker's settings ask for. Throws
 * FormatterSettingsError naming the bad setting, so a misconfigured worker
 * stops at start-up instead of failing every job it claims.
 */
export function createFormatter(settings: FormatterSettings): Formatter {
  switch (settings.kind) {
    case "cli":
      return createCliFormatter(settings);
    case "slurm":
      return createSlurmFormatter(settings);
    case "runai":
      return createRunaiFormatter(settings);
    default:
      // Settings come from a config file at run time; the type alone does not guarantee the kind.
      throw new FormatterSettingsError(
        "formatter.kind",
        `must be "cli", "slurm" or "runai", got ${JSON.stringify((settings as { kind?: unknown }).kind)}`,
      );
  }
}
