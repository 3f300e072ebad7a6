/**
 * Runs one command for the worker: no shell, a bounded tail of its output,
 * a cancellation that really stops it (SIGTERM, then SIGKILL), and nothing of
 * it left running once the worker is gone.
 *
 * Every formatter (cli, slurm, runai) goes through here, both for the job
 * itself and for the scheduler tools it calls (sbatch, squeue, runai …).
 */
import { spawn } from "node:child_process";
import { decodeUtf8Tail } from "../utf8-tail.js";
import { holdLifeline, type Lifeline, lifelineUnavailable } from "./lifeline.js";

/** Default size of the output tail kept per process: enough for a traceback, small enough for a FinishJob message. */
export const DEFAULT_TAIL_BYTES = 64 * 1024;
/** Default number of lines kept in the output tail. */
export const DEFAULT_TAIL_LINES = 200;
/** Default time a process gets between SIGTERM and SIGKILL (on a cancel, or after its worker died), so jobs can write a checkpoint. */
export const DEFAULT_KILL_GRACE_MS = 10_000;
/**
 * How long to wait for stdout/stderr to close after the process exited.
 * A background grandchild may hold the pipes open forever; the job is over
 * when its main process is, so we stop waiting after this.
 */
export const DEFAULT_CLOSE_GRACE_MS = 2_000;

/** What to run and how; only `argv` is required. */
export interface RunProcessOptions {
  /** Program and arguments. argv[0] is looked up on `env.PATH`; nothing is interpreted by a shell. */
  argv: readonly string[];
  /** The complete environment of the process (not additions). Defaults to this process's environment. */
  env?: Readonly<Record<string, string>>;
  /** Variables set on top of `env`, e.g. CUDA_VISIBLE_DEVICES or WHATSNEXT_JOB_ID. */
  extraEnv?: Readonly<Record<string, string>>;
  /** Working directory; defaults to the worker's. */
  cwd?: string;
  /** Aborting sends SIGTERM to the process group, then SIGKILL after `killGraceMs`. Already aborted: nothing is started. */
  signal?: AbortSignal;
  /** Milliseconds between SIGTERM and SIGKILL; after the worker died, whole seconds (rounded up). */
  killGraceMs?: number;
  /** Milliseconds to wait for the output pipes to close after the process exited. */
  closeGraceMs?: number;
  /** Bytes of output kept (the end of it). */
  maxTailBytes?: number;
  /** Lines of output kept (the end of it). */
  maxTailLines?: number;
  /** Called once the process exists, e.g. to report StartJob only for a command that really started. */
  onSpawn?: (pid: number) => void;
  /** Every chunk of output as it arrives, for live logs; the tail is kept regardless. */
  onOutput?: (chunk: Buffer, stream: "stdout" | "stderr") => void;
}

/** How a process ended. Never thrown: a command that cannot start is a result too, so callers have one path. */
export interface ProcessResult {
  /** Exit status, or null when killed by a signal or never started. */
  exitCode: number | null;
  /** The signal that ended the process, if any. */
  signal: NodeJS.Signals | null;
  /** True when the AbortSignal fired before the process ended (or before it could start). */
  aborted: boolean;
  /** Why the process could not be started (e.g. `spawn python ENOENT`), else null. */
  spawnError: string | null;
  /** End of stdout and stderr interleaved in arrival order. */
  outputTail: string;
  /** End of stdout alone, for tools whose answer is on stdout (sbatch --parsable). */
  stdoutTail: string;
  /** End of stderr alone, for a tool's error message. */
  stderrTail: string;
}

/**
 * Keeps the last N bytes of a stream without ever holding more than about N
 * bytes, so a job printing gigabytes cannot exhaust the worker's memory.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;

  /** @param maxBytes bytes kept; older bytes are dropped first. */
  constructor(private readonly maxBytes: number = DEFAULT_TAIL_BYTES) {}

  /** Appends a chunk, dropping the oldest bytes beyond the limit. */
  push(chunk: Buffer): void {
    if (this.maxBytes <= 0 || chunk.length === 0) return;
    if (chunk.length >= this.maxBytes) {
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.maxBytes))];
      this.size = this.maxBytes;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.maxBytes) {
      const first = this.chunks[0]!;
      const excess = this.size - this.maxBytes;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }

  /** The kept bytes as UTF-8, with a character cut in half at the start dropped, limited to `maxLines` lines. */
  text(maxLines: number = DEFAULT_TAIL_LINES): string {
    return tailLines(decodeUtf8Tail(Buffer.concat(this.chunks, this.size)), maxLines);
  }
}

/**
 * The last `maxLines` lines of `text`. A final newline does not count as an
 * extra empty line, so "a\nb\n" is two lines.
 */
export function tailLines(text: string, maxLines: number = DEFAULT_TAIL_LINES): string {
  if (maxLines <= 0) return "";
  let end = text.length;
  if (text.endsWith("\n")) end--;
  let position = end;
  for (let found = 0; found < maxLines; found++) {
    position = text.lastIndexOf("\n", position - 1);
    if (position < 0) return text;
  }
  return text.slice(position + 1);
}

/**
 * This process's environment with additions, as the complete environment a
 * formatter expects; drops unset entries so the result has only strings.
 */
export function environmentWith(
  additions: Readonly<Record<string, string>> = {},
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  return Object.assign(env, additions);
}

/** One phrase for how a process ended, for FinishJob messages ("exited with code 3", "killed by SIGKILL"). */
export function describeExit(result: ProcessResult): string {
  if (result.spawnError !== null) return `could not start: ${result.spawnError}`;
  const how = result.signal !== null ? `killed by ${result.signal}` : `exited with code ${String(result.exitCode)}`;
  return result.aborted ? `cancelled (${how})` : how;
}

/**
 * Starts `argv[0]` directly (no shell) in its own process group and resolves
 * when it has ended. Output is kept only as a bounded tail; stdin is closed.
 *
 * The process group lets a cancel reach the job's children too (a training
 * script's data loaders), not just the process we started. It also keeps a
 * Ctrl-C on the worker's terminal from reaching the job directly: the runtime
 * aborts its runs when it stops. When no code of the worker runs any more
 * (SIGKILL, a crash), the group's lifeline (lifeline.ts) ends it instead:
 * SIGTERM at once, SIGKILL `killGraceMs` later. On Linux and macOS a process
 * is not started at all when its lifeline cannot be held (no /bin/sh), and is
 * stopped if its watcher fails to start; Windows has neither.
 */
export function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const maxTailBytes = options.maxTailBytes ?? DEFAULT_TAIL_BYTES;
  const maxTailLines = options.maxTailLines ?? DEFAULT_TAIL_LINES;
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  const combined = new OutputTail(maxTailBytes);
  const stdout = new OutputTail(maxTailBytes);
  const stderr = new OutputTail(maxTailBytes);
  const finish = (fields: Pick<ProcessResult, "exitCode" | "signal" | "aborted" | "spawnError">): ProcessResult => ({
    ...fields,
    outputTail: combined.text(maxTailLines),
    stdoutTail: stdout.text(maxTailLines),
    stderrTail: stderr.text(maxTailLines),
  });

  const [command, ...args] = options.argv;
  if (command === undefined || command === "") {
    return Promise.resolve(finish({ exitCode: null, signal: null, aborted: false, spawnError: "empty command" }));
  }
  if (options.signal?.aborted) {
    return Promise.resolve(finish({ exitCode: null, signal: null, aborted: true, spawnError: null }));
  }
  const withLifeline = process.platform !== "win32";
  const unguarded = withLifeline ? lifelineUnavailable() : null;
  if (unguarded !== null) {
    return Promise.resolve(finish({ exitCode: null, signal: null, aborted: false, spawnError: unguarded }));
  }

  return new Promise<ProcessResult>((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, {
        env: { ...(options.env ?? environmentWith()), ...options.extraEnv },
        cwd: options.cwd,
        stdio: ["ignore", "pipe", "pipe"],
        detached: withLifeline,
        windowsHide: true,
      });
    } catch (error) {
      // Synchronous failures: a NUL byte in an argument, an invalid cwd type, …
      resolve(finish({ exitCode: null, signal: null, aborted: false, spawnError: errorMessage(error) }));
      return;
    }

    let aborted = false;
    let lifelineFailure: string | null = null;
    let spawned = false;
    let exited = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;
    let exitFields: Pick<ProcessResult, "exitCode" | "signal"> = { exitCode: null, signal: null };

    const signalGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        if (process.platform === "win32") child.kill(signal);
        else process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the group is already gone, which is what we wanted.
      }
    };
    const onAbort = (): void => {
      if (exited || aborted) return;
      aborted = true;
      signalGroup("SIGTERM");
      killTimer = setTimeout(() => signalGroup("SIGKILL"), killGraceMs);
      killTimer.unref();
    };
    const settle = (spawnError: string | null): void => {
      if (settled) return;
      settled = true;
      // After a cancel the SIGKILL stays armed: members of the group that
      // survived SIGTERM (and may hold no pipe of ours) are still ended.
      if (!aborted) clearTimeout(killTimer);
      clearTimeout(closeTimer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve(finish({ ...exitFields, aborted, spawnError: spawnError ?? lifelineFailure }));
    };
    // Only a process that exists has a group to watch; one that could not start ends with "error".
    const lifeline: Lifeline | undefined =
      withLifeline && child.pid !== undefined
        ? holdLifeline(child.pid, killGraceMs, (reason) => {
            // Never leave a job running that would outlive a dead worker.
            lifelineFailure = `could not watch the process, so it was stopped: ${reason}`;
            signalGroup("SIGKILL");
          })
        : undefined;

    child.stdout?.on("data", (chunk: Buffer) => {
      combined.push(chunk);
      stdout.push(chunk);
      options.onOutput?.(chunk, "stdout");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      combined.push(chunk);
      stderr.push(chunk);
      options.onOutput?.(chunk, "stderr");
    });
    child.once("spawn", () => {
      spawned = true;
      if (child.pid !== undefined) options.onSpawn?.(child.pid);
    });
    child.once("error", (error) => {
      // Emitted instead of "spawn" when the program cannot start (ENOENT, EACCES).
      if (!spawned) settle(errorMessage(error));
    });
    child.once("exit", (code, signal) => {
      exited = true;
      exitFields = { exitCode: code, signal };
      lifeline?.release();
      closeTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        settle(null);
      }, closeGraceMs);
      closeTimer.unref();
    });
    child.once("close", (code, signal) => {
      exitFields = { exitCode: code, signal };
      settle(null);
    });
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
