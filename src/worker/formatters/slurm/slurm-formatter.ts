/**
 * The slurm formatter: submits each claimed job to a SLURM cluster with
 * sbatch (several claimed together as one job array) and follows it until
 * SLURM says how it ended.
 *
 * - The job counts as started when SLURM starts it, not when sbatch returns:
 *   until then it stays claimed (QUEUED) and its SLURM state and pending
 *   reason go to RunContext.onSchedulerState. A job SLURM will never start as
 *   submitted (more CPUs than the partition has, an invalid QOS) is cancelled
 *   and failed with SLURM's reason.
 * - One `squeue --states=all` per poll interval follows every job of the
 *   worker and gives the exit status of ended jobs; when SLURM no longer
 *   lists a job, sacct (if the cluster keeps accounting) and then the exit
 *   marker its batch script wrote say how it ended.
 * - A controller that does not answer is not the job's fault: a submission
 *   it misses ends as clusterUnavailable (the job goes back to the queue, the
 *   worker pauses claiming), and a submitted job is followed through an
 *   outage.
 * - A cancel runs `scancel` at once; an abort with a LeaveRunning reason
 *   stops following the job and leaves it to a worker that reattaches
 *   (RunContext.reattach, with the handle given to onSubmitted).
 *
 * - While the job runs, its output file is read on each squeue round and
 *   what is new goes to RunContext.onOutput as "stdout" (SLURM writes the
 *   job's stdout and stderr to the one file), for live logs.
 * - A job SLURM requeues keeps each run's output (`output.log.1` is the
 *   first run's, `output.log` the last's) and its outcome says how often
 *   SLURM requeued it; so does onSchedulerState (`restarts`).
 *
 * Batch scripts, output files and exit markers stay in
 * `outputDir/job-<id>-XXXXXX/` (arrays: `outputDir/array-<id>-XXXXXX/<i>/`)
 * for inspection; outputDir must be on a file system that the compute nodes
 * and the worker share (the home folder on most clusters).
 */
import { join } from "node:path";
import { readFileTail } from "../file-tail.js";
import { leavesRunning } from "../leave-running.js";
import { abortedOutcome, clusterUnavailableOutcome, commandTemplateFailure, notStartedOutcome } from "../outcomes.js";
import { prepareCommand } from "../prepare-command.js";
import { runSchedulerCommand, schedulerCommandError, succeeded } from "../scheduler-command.js";
import type { Formatter, JobForFormatting, PreparedRun, RunContext, RunOutcome, SchedulerHandle } from "../types.js";
import { RUN_FILES } from "./batch-script.js";
import { ControllerAvailability } from "./controller-availability.js";
import { lookUpJobEnd } from "./job-end.js";
import { SLURM_FINAL_STATES, SLURM_RAN_STATES, slurmEndOutcome } from "./job-state.js";
import { earlierRunNumbers, earlierRunPath, OutputFollower } from "./output-follower.js";
import { QueueMonitor } from "./queue-monitor.js";
import { slurmCpusHeld } from "./sbatch.js";
import { checkSlurmSettings, neverRuns, resolveSlurmFolders, type SlurmFormatterSettings } from "./settings.js";
import { Submitter } from "./submission.js";

/** What the runs of one formatter share: the squeue rounds, the submission batches, what is known about the cluster. */
interface SlurmShared {
  settings: SlurmFormatterSettings;
  monitor: QueueMonitor;
  submitter: Submitter;
  availability: ControllerAvailability;
  /** Set once sacct said accounting storage is disabled. */
  accounting: { disabled: boolean };
}

/** Creates the formatter that runs jobs as SLURM batch jobs; throws FormatterSettingsError for bad settings. */
export function createSlurmFormatter(settings: SlurmFormatterSettings = {}): Formatter {
  checkSlurmSettings(settings);
  const shared: SlurmShared = {
    settings,
    monitor: new QueueMonitor({ pollIntervalMs: settings.pollIntervalMs ?? 10_000, commandTimeoutMs: settings.commandTimeoutMs }),
    submitter: new Submitter(settings),
    availability: new ControllerAvailability({ maxBackoffMs: settings.maxOutageBackoffMs ?? 60_000, commandTimeoutMs: settings.commandTimeoutMs }),
    accounting: { disabled: false },
  };
  return {
    name: "slurm",
    run: (job, ctx) => runSlurmJob(job, ctx, shared),
    cpusHeld: (requiredCpu) => slurmCpusHeld(requiredCpu, settings),
    waitUntilAvailable: ({ env, signal }) => shared.availability.waitUntilAvailable(env, signal),
  };
}

async function runSlurmJob(job: JobForFormatting, ctx: RunContext, shared: SlurmShared): Promise<RunOutcome> {
  let prepared: PreparedRun;
  try {
    prepared = prepareCommand(job, shared.settings);
  } catch (error) {
    return commandTemplateFailure(error);
  }
  if (ctx.signal.aborted) return abortedOutcome("cancelled before submission", "");

  let handle: SchedulerHandle;
  if (ctx.reattach) {
    handle = ctx.reattach;
  } else {
    const folders = resolveSlurmFolders(shared.settings, ctx.env);
    const submitted = await shared.submitter.submit({ job, prepared, env: ctx.env, folders, signal: ctx.signal });
    switch (submitted.kind) {
      case "cancelled":
        return abortedOutcome("cancelled before submission", "");
      case "unavailable":
        shared.availability.outage();
        return clusterUnavailableOutcome(submitted.message);
      case "refused":
        return notStartedOutcome(submitted.message, submitted.outputTail);
    }
    shared.availability.answered();
    handle = submitted.handle;
    ctx.onSubmitted?.(handle);
  }
  return followSlurmJob(handle, `SLURM job ${handle.schedulerJobId}: ${prepared.display}`, ctx, shared);
}

/** Follows a submitted job to its end, passing its output on as it grows; the job is cancelled with scancel when ctx.signal aborts. */
async function followSlurmJob(handle: SchedulerHandle, display: string, ctx: RunContext, shared: SlurmShared): Promise<RunOutcome> {
  const follower = ctx.onOutput ? new OutputFollower(handle.outputPath, ctx.onOutput) : null;
  const seen = { restarts: 0 };
  const outcome = await followToEnd(handle, display, ctx, shared, follower, seen);
  await follower?.poll();
  return withRequeues(outcome, handle.outputPath, seen.restarts);
}

/**
 * Names SLURM's requeues of the job in the outcome's message, with where the
 * earlier runs' output is: the restart count squeue last gave, or the earlier
 * runs' files when SLURM was not seen counting (the job left the queue).
 */
async function withRequeues(outcome: RunOutcome, outputPath: string, restarts: number): Promise<RunOutcome> {
  const runs = await earlierRunNumbers(outputPath);
  const count = Math.max(restarts, runs.length);
  if (count === 0) return outcome;
  const paths = runs.map((n) => earlierRunPath(outputPath, n));
  // No numbered file: the job was requeued but its script did not run again, so output.log holds the earlier run.
  const kept =
    paths.length === 0 ? "" : paths.length === 1 ? `, the earlier run's output is in ${paths[0]}` : `, earlier runs' output is in ${paths.join(", ")}`;
  return { ...outcome, message: `${outcome.message}; requeued ${count} time${count === 1 ? "" : "s"} by SLURM${kept}` };
}

async function followToEnd(
  handle: SchedulerHandle,
  display: string,
  ctx: RunContext,
  shared: SlurmShared,
  follower: OutputFollower | null,
  seen: { restarts: number },
): Promise<RunOutcome> {
  const { settings } = shared;
  const slurmId = handle.schedulerJobId;
  const tool = { env: ctx.env, timeoutMs: settings.commandTimeoutMs };
  const outputTail = (): Promise<string> => readFileTail(handle.outputPath, settings.maxTailBytes, settings.maxTailLines);
  const cancel = async (why: string): Promise<string> => {
    const argv = ["scancel", slurmId];
    const result = await runSchedulerCommand(argv, tool);
    return succeeded(result) ? `${why}; sent scancel ${slurmId}` : `${why}; ${schedulerCommandError(argv, result)}`;
  };
  let started = false;
  const markStarted = (): void => {
    if (started) return;
    started = true;
    if (!ctx.signal.aborted) ctx.onStarted?.(display);
  };

  let lastState = "";
  let failures = 0;
  let unreachableSince: number | null = null;
  for (;;) {
    if (leavesRunning(ctx.signal)) {
      return { ...abortedOutcome(`left SLURM job ${slurmId} running for another worker to follow`, display, await outputTail()), leftRunning: true };
    }
    if (ctx.signal.aborted) return abortedOutcome(await cancel("cancelled"), display, await outputTail());
    const answer = await shared.monitor.next(slurmId, ctx.env, ctx.signal);
    if (answer === null) continue;
    if (answer.kind === "error") {
      if (answer.unreachable) {
        // SLURM keeps running jobs while its controller is away: wait for it, within reason.
        unreachableSince ??= Date.now();
        const limitMs = settings.controllerOutageLimitMs ?? 3_600_000;
        if (Date.now() - unreachableSince >= limitMs) {
          shared.availability.outage();
          // The job may still run: the worker hands it over, and whoever claims it next follows it once SLURM answers.
          const outcome = clusterUnavailableOutcome(
            `SLURM's controller has not answered for ${Math.round(limitMs / 1000)} s while following SLURM job ${slurmId}, which may still be there: ${answer.message}`,
            display,
            await outputTail(),
          );
          return { ...outcome, leftRunning: true };
        }
        continue;
      }
      failures++;
      if (failures >= (settings.maxPollFailures ?? 30)) {
        const message = await cancel(`lost track of SLURM job ${slurmId}: ${failures} squeue calls failed in a row, the last: ${answer.message}`);
        return { success: false, exitCode: null, message, outputTail: await outputTail(), command: display, aborted: false };
      }
      continue;
    }
    failures = 0;
    unreachableSince = null;
    if (answer.kind === "absent") break;

    const record = answer.record;
    seen.restarts = Math.max(seen.restarts, record.restarts);
    await follower?.poll();
    if (`${record.state}|${record.reason}|${record.restarts}` !== lastState) {
      lastState = `${record.state}|${record.reason}|${record.restarts}`;
      const restarts = record.restarts > 0 ? { restarts: record.restarts } : {};
      ctx.onSchedulerState?.({ schedulerJobId: slurmId, state: record.state, reason: record.reason, ...restarts });
    }
    if (SLURM_RAN_STATES.has(record.state)) markStarted();
    if (SLURM_FINAL_STATES.has(record.state)) return slurmEndOutcome(slurmId, record, display, await outputTail());
    if (record.state === "PENDING" && neverRuns(record.reason, settings.neverRunsReasons)) {
      const message = await cancel(`SLURM will not run job ${slurmId} as submitted: it is pending with reason ${record.reason}`);
      return { success: false, exitCode: null, message, outputTail: "", command: display, aborted: false };
    }
  }

  // SLURM no longer lists the job: ask accounting, then the job's exit marker.
  const lookup = await lookUpJobEnd(slurmId, join(handle.runDir, RUN_FILES.exitMarker), {
    env: ctx.env,
    commandTimeoutMs: settings.commandTimeoutMs,
    accountingTimeoutMs: settings.accountingTimeoutMs ?? 120_000,
    pollIntervalMs: settings.pollIntervalMs ?? 10_000,
    signal: ctx.signal,
    accounting: shared.accounting,
  });
  if (ctx.signal.aborted) return abortedOutcome(`cancelled after SLURM job ${slurmId} had left the queue`, display, await outputTail());
  if (lookup.end === null) {
    return {
      success: false,
      exitCode: null,
      message: `SLURM job ${slurmId} left the queue and how it ended is unknown: ${lookup.source}`,
      outputTail: await outputTail(),
      command: display,
      aborted: false,
    };
  }
  if (lookup.end.state === "" || SLURM_RAN_STATES.has(lookup.end.state)) markStarted();
  return slurmEndOutcome(slurmId, lookup.end, display, await outputTail(), lookup.source);
}
