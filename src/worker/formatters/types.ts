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
  /**
   * Aborted when the job was cancelled or the worker stops; the formatter then
   * stops the job, unless the reason is a LeaveRunning (a scheduler job is
   * then left running for another worker to reattach to).
   */
  signal: AbortSignal;
  /**
   * Called once the job really runs, with the text for StartJob. A scheduler
   * formatter calls it when the scheduler starts the job, not when it accepts
   * it: until then the job waits in the scheduler's queue (see onSchedulerState).
   */
  onStarted?(display: string): void;
  /**
   * Called when the scheduler reports a new state or pending reason for the
   * job (SLURM: PENDING because of Resources, then RUNNING), so a person can
   * see why a claimed job has not started.
   */
  onSchedulerState?(state: SchedulerState): void;
  /**
   * Called once the scheduler accepted the job, with what identifies it there.
   * A runtime that records it with the attempt can later hand it back through
   * `reattach` instead of submitting the job a second time.
   */
  onSubmitted?(handle: SchedulerHandle): void;
  /**
   * Follow this job, submitted earlier by a worker that has since stopped or
   * crashed, instead of submitting a new one. Formatters without a scheduler
   * (cli) ignore it.
   */
  reattach?: SchedulerHandle;
  /**
   * Every chunk of the job's own output as it arrives, for live logs; a
   * formatter that can see it (cli; slurm, reading the job's output file on
   * each squeue round) calls it. It must not block.
   */
  onOutput?(chunk: Buffer, stream: "stdout" | "stderr"): void;
}

/** What identifies a submitted job in its scheduler, enough to follow it from another worker process. */
export interface SchedulerHandle {
  /** The scheduler's job id: "1234", or "1234_5" for element 5 of a SLURM job array. */
  schedulerJobId: string;
  /** The cluster, when the scheduler names one (sbatch --parsable prints "id;cluster" on federations). */
  cluster?: string;
  /** The folder holding the batch script, the output file and the exit marker; shared with the compute nodes. */
  runDir: string;
  /** The job's output file (stdout and stderr). */
  outputPath: string;
}

/** A job's state in its scheduler while it waits or runs. */
export interface SchedulerState {
  schedulerJobId: string;
  /** The scheduler's own word: "PENDING", "RUNNING", "COMPLETING", … */
  state: string;
  /** Why it waits ("Resources", "Priority", "PartitionConfig"); "" when the scheduler gives none. */
  reason: string;
  /** How many times the scheduler requeued the job (SLURM's restart count); absent when never. */
  restarts?: number;
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
  /**
   * True when the run could not go ahead because the cluster did not answer
   * (SLURM's controller unreachable, its tools missing): not the job's fault.
   * The runtime releases the job without spending an attempt and claims no
   * more jobs until Formatter.waitUntilAvailable resolves. `success` is false.
   */
  clusterUnavailable?: boolean;
  /**
   * The scheduler job may still run: the run was aborted with a LeaveRunning
   * reason (see leave-running.ts), so the formatter stopped following it
   * without cancelling it (comes with `aborted`), or the controller stopped
   * answering while following it (comes with `clusterUnavailable`). Another
   * worker can follow it through RunContext.reattach with the handle given
   * to onSubmitted; the runtime's release says so.
   */
  leftRunning?: boolean;
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
  /**
   * The worker CPUs a job holds while this formatter runs it, given the
   * task's required_cpu; the runtime counts this, not required_cpu, against
   * its --cpus. Default: required_cpu. SLURM allocates at least one CPU to
   * every job, so a task asking for none still takes one there.
   */
  cpusHeld?(requiredCpu: number): number;
  /**
   * Resolves once the cluster answers again after a run ended with
   * clusterUnavailable (or when the signal aborts), waiting longer after
   * each outage in a row. Without it the runtime waits a fixed time.
   */
  waitUntilAvailable?(ctx: { env: Record<string, string>; signal: AbortSignal }): Promise<void>;
}
