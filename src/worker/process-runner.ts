/**
 * Runs one command for the worker: no shell interpreting it, a bounded tail
 * of its output, a cancellation that really stops it (SIGTERM, then
 * SIGKILL), and nothing of it left running once the worker is gone.
 *
 * Every formatter (cli, slurm, runai) goes through here, both for the job
 * itself and for the scheduler tools it calls (sbatch, squeue, runai …).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import type { Writable } from "node:stream";
import { decodeUtf8Tail } from "../utf8-tail.js";
import { LIFELINE_FD, LIFELINE_RELEASE, LIFELINE_SHELL, lifelineCommand } from "./lifeline.js";

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
 * Starts `argv[0]` in its own process group and resolves when it has ended.
 * No shell interprets the command. Output is kept only as a bounded tail;
 * stdin is /dev/null.
 *
 * The process group lets a cancel reach the job's children too (a training
 * script's data loaders), not just the process we started. It also keeps a
 * Ctrl-C on the worker's terminal from reaching the job directly: the runtime
 * aborts its runs when it stops. When no code of the worker runs any more
 * (SIGKILL, a crash), the lifeline (see lifeline.ts) ends the group instead:
 * SIGTERM at once, SIGKILL `killGraceMs` later. On Linux and macOS the
 * program is started through /bin/sh for that, which then becomes the
 * program (same pid, exit code and signal); argv[0] becomes the path the
 * program was found at, and the shell sets PWD to the working folder. Windows
 * has no process groups to leave behind this way and starts it directly.
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

  const onLifeline = process.platform !== "win32";
  const withNul = options.argv.findIndex((argument) => argument.includes("\0"));
  if (onLifeline && withNul >= 0) {
    // Said here, because the shell's arguments would number it wrongly.
    const spawnError = `${withNul === 0 ? "the program name" : `argument ${withNul}`} contains a NUL character, which no program argument can hold`;
    return Promise.resolve(finish({ exitCode: null, signal: null, aborted: false, spawnError }));
  }

  return new Promise<ProcessResult>((resolve) => {
    const env = { ...(options.env ?? environmentWith()), ...options.extraEnv };
    let child: ReturnType<typeof spawn>;
    try {
      let file = command;
      let fileArgs = args;
      if (onLifeline) {
        const cwd = options.cwd === undefined ? process.cwd() : options.cwd.startsWith("/") ? options.cwd : `${process.cwd()}/${options.cwd}`;
        const start = lifelineCommand(command, args, env.PATH, cwd, killGraceMs);
        if ("errorCode" in start) {
          resolve(finish({ exitCode: null, signal: null, aborted: false, spawnError: spawnFailure(command, start.errorCode) }));
          return;
        }
        ({ file, args: fileArgs } = start);
      }
      child = spawn(file, fileArgs, {
        env,
        cwd: options.cwd,
        stdio: onLifeline ? ["ignore", "pipe", "pipe", "pipe"] : ["ignore", "pipe", "pipe"],
        detached: onLifeline,
        windowsHide: true,
      });
    } catch (error) {
      // Synchronous failures: an invalid cwd type, a NUL byte in the environment, …
      resolve(finish({ exitCode: null, signal: null, aborted: false, spawnError: errorMessage(error) }));
      return;
    }
    const lifeline = child.stdio[LIFELINE_FD] as Writable | null | undefined;
    // EPIPE: the watcher is gone already (the group was SIGKILLed), so there is nothing to release.
    lifeline?.on("error", () => {});

    let aborted = false;
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
        else process.kill(-child.pid, signal); // the watcher ignores SIGTERM and leaves when the process has ended
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
      resolve(finish({ ...exitFields, aborted, spawnError }));
    };

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
      if (spawned) return;
      const code = (error as NodeJS.ErrnoException).code;
      if (!onLifeline || code === undefined) settle(errorMessage(error));
      else if (code === "ENOENT" && !existsSync(LIFELINE_SHELL)) settle(`${LIFELINE_SHELL} is missing, and jobs are started through it so that they end with their worker`);
      // Name the program, not the shell, as spawning it directly would (a missing cwd, EAGAIN …).
      else settle(spawnFailure(command, code));
    });
    child.once("exit", (code, signal) => {
      exited = true;
      exitFields = { exitCode: code, signal };
      // The job's process ended by itself (or by our cancel): the watcher leaves and kills nothing.
      lifeline?.end(LIFELINE_RELEASE, () => lifeline.destroy());
      closeTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        lifeline?.destroy();
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

/** How Node words a program that could not start: "spawn python ENOENT". */
function spawnFailure(command: string, code: string): string {
  return `spawn ${command} ${code}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
