/**
 * The cli formatter: runs the job's command as a local child process of the
 * worker (a laptop, a GPU box), without a shell.
 */
import { describeExit, runProcess } from "../process-runner.js";
import { abortedOutcome, commandTemplateFailure, notStartedOutcome } from "./outcomes.js";
import { type CommandSettings, prepareCommand } from "./prepare-command.js";
import type { Formatter, JobForFormatting, PreparedRun, RunContext, RunOutcome } from "./types.js";

/** Settings of the cli formatter; all optional. */
export interface CliFormatterSettings extends CommandSettings {
  /** Working directory of jobs; defaults to the worker's. */
  cwd?: string;
  /** Time a cancelled job gets between SIGTERM and SIGKILL (default 10 s), e.g. to save a checkpoint. */
  killGraceMs?: number;
  /** Bytes of output kept for FinishJob (default 64 KiB). */
  maxTailBytes?: number;
  /** Lines of output kept for FinishJob (default 200). */
  maxTailLines?: number;
}

/** Creates the formatter that runs jobs as local processes. */
export function createCliFormatter(settings: CliFormatterSettings = {}): Formatter {
  return {
    name: "cli",
    async run(job: JobForFormatting, ctx: RunContext): Promise<RunOutcome> {
      let prepared: PreparedRun;
      try {
        prepared = prepareCommand(job, settings);
      } catch (error) {
        return commandTemplateFailure(error);
      }
      const result = await runProcess({
        argv: prepared.argv,
        env: ctx.env,
        extraEnv: prepared.env,
        cwd: settings.cwd,
        signal: ctx.signal,
        killGraceMs: settings.killGraceMs,
        maxTailBytes: settings.maxTailBytes,
        maxTailLines: settings.maxTailLines,
        onSpawn: () => ctx.onStarted?.(prepared.display),
        onOutput: ctx.onOutput,
      });
      const how = describeExit(result);
      if (result.spawnError !== null) return notStartedOutcome(how, result.outputTail);
      if (result.aborted) return abortedOutcome(how, prepared.display, result.outputTail, result.exitCode);
      return {
        success: result.exitCode === 0,
        exitCode: result.exitCode,
        message: how,
        outputTail: result.outputTail,
        command: prepared.display,
        aborted: false,
      };
    },
  };
}
