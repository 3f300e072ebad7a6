/**
 * The contract between the worker runtime and the formatters that turn a
 * claimed job into something running (a local process, a SLURM job, a Run:ai
 * job) and report how it ended.
 */

/** The part of a claimed job a formatter needs; the runtime copies it from FetchJob's answer. */
export interface JobForFormatting {
  id: number;
  name: string;
  taskName: string;
  /** The task's command_template; empty when the worker runs jobs through a configured executable + script. */
  commandTemplate: string;
  parameters: Record<string, unknown>;
  requiredCpu: number;
  requiredAccelerators: number;
}

/** The job's command as argv, ready to run without a shell or to write into a batch script. */
export interface PreparedRun {
  /** Program and arguments; each substituted parameter is exactly one element. */
  argv: string[];
  /** Variables the job gets on top of the worker's environment (WHATSNEXT_JOB_ID, …). */
  env?: Record<string, string>;
  /** Human-readable command reported to the server with StartJob. */
  display: string;
}

/** What the runtime gives a formatter for one run. */
export interface RunContext {
  /**
   * The complete environment for the commands the formatter starts (not
   * additions): the runtime decides PATH, CUDA_VISIBLE_DEVICES, scheduler
   * credentials. `environmentWith()` in process-runner.ts builds one.
   */
  env: Record<string, string>;
  /** Aborted when the job was cancelled or the worker stops; the formatter then stops the job. */
  signal: AbortSignal;
  /** Called once the job has really started (or was accepted by the scheduler), with the text for StartJob. */
  onStarted?(display: string): void;
}

/** How a run ended, shaped for FinishJob (success, exit_code, message, output_tail) plus what StartJob got. */
export interface RunOutcome {
  success: boolean;
  /** The job's exit status when known (null: killed by a signal, never started, or the scheduler did not say). */
  exitCode: number | null;
  /** One line a person can act on: why it failed, or how it ended. */
  message: string;
  /** The end of the job's output (bounded), for the dashboard and FinishJob. */
  outputTail: string;
  /** The command as reported with StartJob; empty when nothing was started. */
  command: string;
  /**
   * True when the run ended because RunContext.signal fired: the runtime
   * decides between ReleaseJob and FinishJob, since the server may already
   * have cancelled the job.
   */
  aborted: boolean;
}

/** The names under which formatters are configured. */
export type FormatterName = "cli" | "slurm" | "runai";

/** Turns a job into a run and follows it to the end; one instance serves many jobs, concurrently. */
export interface Formatter {
  readonly name: FormatterName;
  /**
   * Runs the job to its end. Never rejects for a problem of the job or its
   * command (bad template, missing tool, scheduler error): those are a
   * failed RunOutcome, so the runtime has one path to FinishJob.
   */
  run(job: JobForFormatting, ctx: RunContext): Promise<RunOutcome>;
}
