/**
 * The lifeline: what ties a job's processes to the life of the worker that
 * started them, so that a worker that dies (SIGKILL included, where no
 * handler of ours runs) leaves nothing running that the queue would hand out
 * again when the lease expires: the same job twice at once.
 *
 * Node cannot ask the kernel to signal a child when its parent dies
 * (prctl(PR_SET_PDEATHSIG) is Linux-only, and Node does not offer it), and
 * each job runs in its own process group, out of reach of the worker's
 * terminal. What every POSIX system does offer is end-of-file: the kernel
 * closes a dead process's descriptors, whatever killed it. So for each job
 * the worker starts a watcher, a /bin/sh reading a pipe whose other end only
 * the worker holds (Node opens its ends close-on-exec: no job inherits it).
 * Reading the line "done" means the job's process ended by itself: the
 * watcher leaves, killing nothing, so background children a job leaves
 * behind live on as they always did. End-of-file means the worker is gone:
 * the watcher sends SIGTERM to the job's process group, then SIGKILL after
 * the kill grace if anything of the group is still there.
 *
 * The watcher is the worker's own child, in a session of its own: a job
 * signalling its group (`kill 0`), a cancel's SIGTERM and a Ctrl-C on the
 * worker's terminal do not reach it, the worker reaps it when it leaves (a
 * worker that is PID 1 of a container reaps nothing else), and the job is
 * started exactly as it was before (its pid, argv, environment, exit code
 * and start errors are untouched). The group is named by its number, which
 * the system cannot give to another group while any member of it is alive;
 * the watcher signals it only while it exists (checked each second of the
 * grace), and not at all once released.
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";

/** The shell that runs the watcher: POSIX guarantees it, Linux and macOS have it. */
export const LIFELINE_SHELL = "/bin/sh";

/**
 * The watcher; $1 is the job's process group, $2 the kill grace in whole
 * seconds. Its environment is empty and `command -p` finds sleep on the
 * system's default PATH. `kill -s 0` only asks whether the group exists.
 */
const WATCHER_SCRIPT = [
  `IFS= read -r line; [ "$line" = done ] && exit 0`,
  `kill -s TERM -- "-$1" || exit 0`,
  `left=$2`,
  `while kill -s 0 -- "-$1"; do [ "$left" -gt 0 ] || { kill -s KILL -- "-$1"; exit 0; }; command -p sleep 1; left=$((left - 1)); done`,
].join("\n");

/** What the worker writes on the lifeline when the job's process has ended. */
const RELEASE = "done\n";

/** The worker's end of one job's lifeline. */
export interface Lifeline {
  /** The watcher's pid, for diagnostics. */
  readonly watcherPid: number | undefined;
  /** The job's process has ended by itself (or by a cancel): the watcher leaves and kills nothing. */
  release(): void;
}

/**
 * Why jobs cannot be given a lifeline here (no /bin/sh), or null. Checked
 * before a job starts, so that a job is not started unguarded.
 */
export function lifelineUnavailable(shell: string = LIFELINE_SHELL): string | null {
  try {
    accessSync(shell, constants.X_OK);
    return null;
  } catch {
    return `${shell} is missing, and every job is watched by a ${shell} that ends it when its worker dies`;
  }
}

/**
 * Starts the watcher of the process group `processGroup` (a job started
 * detached: its pid). After the worker died, the group's processes that
 * ignore SIGTERM get `killGraceMs` (rounded up to whole seconds) before
 * SIGKILL, as on a cancel. `onFailure` hears, with the reason, that the
 * watcher could not start: the caller must then stop the job itself.
 * `shell` is for tests that run the watcher under another POSIX shell.
 */
export function holdLifeline(processGroup: number, killGraceMs: number, onFailure: (reason: string) => void, shell: string = LIFELINE_SHELL): Lifeline {
  const graceSeconds = Number.isFinite(killGraceMs) && killGraceMs > 0 ? Math.ceil(killGraceMs / 1000) : 0;
  let watcher: ReturnType<typeof spawn>;
  try {
    watcher = spawn(shell, ["-c", WATCHER_SCRIPT, "whatsnext-lifeline", String(processGroup), String(graceSeconds)], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
      env: {},
    });
  } catch (error) {
    onFailure(error instanceof Error ? error.message : String(error));
    return { watcherPid: undefined, release: () => {} };
  }
  watcher.once("error", (error) => onFailure(error.message));
  // EPIPE: the watcher is gone already; there is nothing left to release.
  watcher.stdin?.on("error", () => {});
  return {
    watcherPid: watcher.pid,
    release: () => watcher.stdin?.end(RELEASE),
  };
}
