/**
 * Submitting jobs to SLURM: each job gets a run folder (batch script, output
 * file, exit marker) and one sbatch call; jobs claimed together that ask for
 * the same resources go in as one job array instead (one sbatch call, one
 * scheduler entry), when the settings allow it.
 *
 * The worker starts the runs of one FetchJob answer in a single turn of the
 * event loop, so the submitter collects the requests of that turn and submits
 * them on the next one: no worker support and no added delay are needed.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runSchedulerCommand, schedulerCommandError, succeeded } from "../scheduler-command.js";
import type { JobForFormatting, PreparedRun, SchedulerHandle } from "../types.js";
import { buildArrayScript, buildBatchScript, RUN_FILES, runFilePaths } from "./batch-script.js";
import { isClusterUnreachable } from "./controller-errors.js";
import { buildSbatchArgv, escapeSbatchFilename, parseSbatchAnswer, sbatchResourceOptions } from "./sbatch.js";
import type { SlurmFolders, SlurmFormatterSettings } from "./settings.js";

/** One job to submit. */
export interface SubmissionRequest {
  job: JobForFormatting;
  prepared: PreparedRun;
  /** The environment sbatch runs in (SLURM passes it on to the job). */
  env: Record<string, string>;
  folders: SlurmFolders;
  /** A request aborted before its turn is dropped; once submitted, the run cancels with scancel. */
  signal: AbortSignal;
}

/** How a submission went. */
export type SubmissionResult =
  | { kind: "submitted"; handle: SchedulerHandle; /** Jobs in the same array, 1 when alone. */ arraySize: number }
  /** SLURM refused the job (bad partition, account, …) or its files could not be written: the job fails. */
  | { kind: "refused"; message: string; outputTail: string }
  /** The cluster did not answer: the job goes back to the queue. */
  | { kind: "unavailable"; message: string }
  /** Cancelled before it was submitted. */
  | { kind: "cancelled" };

interface Queued {
  request: SubmissionRequest;
  resolve(result: SubmissionResult): void;
}

/** One per formatter: collects the submissions of one event-loop turn and sends them as few sbatch calls as the settings allow. */
export class Submitter {
  private queued: Queued[] = [];
  private flushScheduled = false;

  constructor(private readonly settings: SlurmFormatterSettings) {}

  /** Submits the job (alone or in an array with others submitted in the same turn). Never rejects. */
  submit(request: SubmissionRequest): Promise<SubmissionResult> {
    return new Promise((resolve) => {
      this.queued.push({ request, resolve });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const queued = this.queued;
    this.queued = [];
    this.flushScheduled = false;
    const groups = new Map<string, Queued[]>();
    for (const entry of queued) {
      if (entry.request.signal.aborted) {
        entry.resolve({ kind: "cancelled" });
        continue;
      }
      const key = this.settings.jobArrays === false ? String(entry.request.job.id) : arrayKey(entry.request, this.settings);
      const group = groups.get(key) ?? [];
      group.push(entry);
      groups.set(key, group);
    }
    const maxSize = this.settings.arrayMaxSize ?? 1000;
    const chunks: Queued[][] = [];
    for (const group of groups.values()) {
      for (let start = 0; start < group.length; start += maxSize) chunks.push(group.slice(start, start + maxSize));
    }
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          if (chunk.length === 1) chunk[0]!.resolve(await this.submitOne(chunk[0]!.request));
          else await this.submitArray(chunk);
        } catch (error) {
          // Only file-system surprises get here; the runs fail with the reason rather than hang.
          const message = `could not submit to SLURM: ${error instanceof Error ? error.message : String(error)}`;
          for (const entry of chunk) entry.resolve({ kind: "refused", message, outputTail: "" });
        }
      }),
    );
  }

  private async submitOne(request: SubmissionRequest): Promise<SubmissionResult> {
    const { job, prepared, folders } = request;
    let runDir: string;
    try {
      await mkdir(folders.outputDir, { recursive: true });
      runDir = await mkdtemp(join(folders.outputDir, `job-${job.id}-`));
    } catch (error) {
      return { kind: "refused", message: `could not write the batch script under ${folders.outputDir}: ${errorText(error)}`, outputTail: "" };
    }
    const paths = runFilePaths(runDir);
    await writeFile(paths.scriptPath, buildBatchScript(job, prepared, paths.exitMarkerPath, paths.outputPath), { mode: 0o700 });
    // Not cancellable: once sbatch runs, only its answer tells which job to scancel.
    const argv = buildSbatchArgv(job, this.settings, paths);
    const result = await runSchedulerCommand(argv, { env: request.env, cwd: folders.cwd, timeoutMs: this.settings.commandTimeoutMs });
    if (!succeeded(result)) {
      const why = schedulerCommandError(argv, result);
      if (isClusterUnreachable(result)) return { kind: "unavailable", message: `SLURM did not take the job: ${why}` };
      return { kind: "refused", message: `SLURM refused the job: ${why}`, outputTail: result.outputTail };
    }
    const answer = parseSbatchAnswer(result.stdoutTail);
    if (answer === null) {
      return { kind: "refused", message: `sbatch printed no job id: ${JSON.stringify(result.stdoutTail.trim().slice(0, 200))}`, outputTail: "" };
    }
    return { kind: "submitted", handle: { schedulerJobId: answer.jobId, cluster: answer.cluster, runDir, outputPath: paths.outputPath }, arraySize: 1 };
  }

  /** Submits the jobs as one array; when SLURM refuses arrays as such, submits each alone. */
  private async submitArray(chunk: Queued[]): Promise<void> {
    const first = chunk[0]!.request;
    const jobIds = chunk.map((entry) => entry.request.job.id);
    const resolveAll = (result: SubmissionResult) => chunk.forEach((entry) => entry.resolve(result));
    let arrayDir: string;
    try {
      await mkdir(first.folders.outputDir, { recursive: true });
      arrayDir = await mkdtemp(join(first.folders.outputDir, `array-${jobIds[0]}-`));
    } catch (error) {
      resolveAll({ kind: "refused", message: `could not write the batch scripts under ${first.folders.outputDir}: ${errorText(error)}`, outputTail: "" });
      return;
    }
    const runDirs = chunk.map((_, index) => join(arrayDir, String(index)));
    for (const [index, entry] of chunk.entries()) {
      const paths = runFilePaths(runDirs[index]!);
      await mkdir(runDirs[index]!);
      await writeFile(paths.scriptPath, buildBatchScript(entry.request.job, entry.request.prepared, paths.exitMarkerPath, paths.outputPath), { mode: 0o700 });
    }
    const arrayScript = join(arrayDir, "array.sh");
    await writeFile(arrayScript, buildArrayScript(arrayDir, jobIds), { mode: 0o700 });
    const argv = [
      "sbatch",
      "--parsable",
      `--job-name=${this.settings.jobNamePrefix ?? "wn"}-${jobIds[0]}+${jobIds.length - 1}`,
      `--array=0-${chunk.length - 1}`,
      `--output=${escapeSbatchFilename(arrayDir)}/%a/${RUN_FILES.output}`,
      // A requeued element's script keeps the earlier run's output (see batch-script.ts).
      "--open-mode=append",
      ...sbatchResourceOptions(first.job, this.settings),
      arrayScript,
    ];
    const result = await runSchedulerCommand(argv, { env: first.env, cwd: first.folders.cwd, timeoutMs: this.settings.commandTimeoutMs });
    if (!succeeded(result)) {
      const why = schedulerCommandError(argv, result);
      if (isClusterUnreachable(result)) {
        resolveAll({ kind: "unavailable", message: `SLURM did not take the job: ${why}` });
      } else if (/array/i.test(why)) {
        // Arrays refused as such (MaxArraySize=0, a lower limit): each job alone gets its own answer.
        await Promise.all(chunk.map(async (entry) => entry.resolve(await this.submitOne(entry.request))));
      } else {
        resolveAll({ kind: "refused", message: `SLURM refused the job: ${why}`, outputTail: result.outputTail });
      }
      return;
    }
    const answer = parseSbatchAnswer(result.stdoutTail);
    if (answer === null) {
      resolveAll({ kind: "refused", message: `sbatch printed no job id: ${JSON.stringify(result.stdoutTail.trim().slice(0, 200))}`, outputTail: "" });
      return;
    }
    for (const [index, entry] of chunk.entries()) {
      const runDir = runDirs[index]!;
      entry.resolve({
        kind: "submitted",
        handle: { schedulerJobId: `${answer.jobId}_${index}`, cluster: answer.cluster, runDir, outputPath: runFilePaths(runDir).outputPath },
        arraySize: chunk.length,
      });
    }
  }
}

/** Jobs may share an array when sbatch would get the same options, in the same folders and environment. */
function arrayKey(request: SubmissionRequest, settings: SlurmFormatterSettings): string {
  const env = Object.entries(request.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([sbatchResourceOptions(request.job, settings), request.folders, env]);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
