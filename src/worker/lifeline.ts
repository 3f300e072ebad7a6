/**
 * The lifeline: what ties a job's processes to the life of the worker that
 * started them, so that a worker that dies (SIGKILL included, where no
 * handler of ours runs) leaves nothing running that the queue would hand out
 * again when the lease expires: the same job twice at once.
 *
 * Node cannot ask the kernel to signal a child when its parent dies
 * (prctl(PR_SET_PDEATHSIG) exists on Linux only, and Node does not offer
 * it), and each job runs in its own process group, out of reach of the
 * worker's terminal. What every POSIX system does offer is end-of-file: the
 * kernel closes a dead process's descriptors, whatever killed it. So on
 * Linux and macOS a job is started as `/bin/sh -c LIFELINE_SCRIPT`, with
 * descriptor 3 a socket whose other end only the worker holds (Node opens
 * its ends close-on-exec, so no other job inherits it). The script
 *
 * 1. starts a watcher in the background: it ignores the signals a job
 *    commonly sends its own group (`kill 0` to stop its children, a cancel's
 *    SIGTERM), then blocks reading descriptor 3. Reading the line "done"
 *    means the job ended on its own: the watcher leaves, killing nothing, so
 *    background children a job leaves behind live on as they always did.
 *    End-of-file means the worker is gone: the watcher sends SIGTERM to its
 *    process group, which is the job's (`kill 0`: a group cannot be reused
 *    while the watcher is in it), waits the kill grace, then sends SIGKILL;
 * 2. waits until the watcher ignores those signals (the command
 *    substitution ends when the watcher closes its output) before it
 *    continues, so a job that signals its own group at once cannot end the
 *    watcher. The watcher is a grandchild, not a child of the job: a job
 *    that waits for all of its children does not wait for it;
 * 3. replaces itself with the job's program (`exec`), closing descriptor 3
 *    for it: the job keeps the shell's pid (the group's leader), its
 *    standard streams, and its exit code or signal, as if started directly.
 *
 * The shell reports a program it cannot find as exit 127, not as a failure
 * to start; so the program is looked up first (`findProgram`), the way
 * execvp would, and one that is not there is reported as Node reports it.
 */
import { accessSync, constants, statSync } from "node:fs";

/** The shell that runs the lifeline script: POSIX guarantees it, Linux and macOS have it. */
export const LIFELINE_SHELL = "/bin/sh";

/** The descriptor of the job's shell that is the worker's end of the lifeline. */
export const LIFELINE_FD = 3;

/** What the worker writes on the lifeline when the job's process has ended, so that nothing is killed. */
export const LIFELINE_RELEASE = "done\n";

/**
 * The script; its $1 is the kill grace in seconds, the rest the program and
 * its arguments. The space in `$( (` matters: `$((` is arithmetic.
 * Traps set to '' are ignored signals, which `command -p sleep` inherits too;
 * `command -p` finds sleep on the system's default PATH, not the job's.
 */
const LIFELINE_SCRIPT =
  `: "$( ( trap '' HUP INT QUIT TERM USR1 USR2; exec </dev/null >/dev/null 2>&1; ` +
  `IFS= read -r line <&${LIFELINE_FD}; ` +
  `[ "$line" = done ] || { kill -s TERM 0; command -p sleep "$1"; kill -s KILL 0; } ) & )"; ` +
  `shift; exec "$@" ${LIFELINE_FD}<&-`;

/** How to start a command on a lifeline, or why it cannot start (ENOENT, EACCES, … as execvp would fail). */
export type LifelineCommand = { file: string; args: string[] } | { errorCode: string };

/**
 * The shell command that runs `command` with `args` on a lifeline, for a
 * process started in `cwd` (an absolute path) with `searchPath` as its PATH;
 * or the error code of a command that cannot start (see findProgram).
 *
 * The shell is given the command as it was (it searches the same PATH in the
 * same folder, as execvp would), so that the program's argv[0] stays what it
 * was; only a name starting with "-" (which `exec` would take for an option)
 * or a search without PATH (the shell's default differs from execvp's) gets
 * the path found instead.
 *
 * After the worker died, processes that ignore SIGTERM get `killGraceMs`
 * (rounded up to whole seconds) before SIGKILL, as on a cancel. `shell` is
 * for tests that run the script under another POSIX shell.
 */
export function lifelineCommand(
  command: string,
  args: readonly string[],
  searchPath: string | undefined,
  cwd: string,
  killGraceMs: number,
  shell: string = LIFELINE_SHELL,
): LifelineCommand {
  const found = findProgram(command, searchPath, cwd);
  if (!("path" in found)) return found;
  const program = command.startsWith("-") || (searchPath === undefined && !command.includes("/")) ? found.path : command;
  const graceSeconds = Number.isFinite(killGraceMs) && killGraceMs > 0 ? Math.ceil(killGraceMs / 1000) : 0;
  return { file: shell, args: ["-c", LIFELINE_SCRIPT, "whatsnext-job", String(graceSeconds), program, ...args] };
}

/** Where a program was found, or the error code execvp would fail with (ENOENT, EACCES, …). */
export type FoundProgram = { path: string } | { errorCode: string };

/** The search path execvp uses when the environment has no PATH. */
const DEFAULT_SEARCH_PATH = "/usr/bin:/bin";

/**
 * Finds `command` the way execvp does for a process started in `cwd` (an
 * absolute path) with `searchPath` as its PATH: a command containing "/" is
 * taken as it is (relative to `cwd`); otherwise each folder of the search
 * path is tried in turn (an empty or relative one is relative to `cwd`) and
 * the first executable regular file wins. When none is found the answer is
 * EACCES if some candidate existed but could not be executed, else ENOENT.
 * The path found is absolute.
 */
export function findProgram(command: string, searchPath: string | undefined, cwd: string): FoundProgram {
  const within = (path: string): string => (path.startsWith("/") ? path : `${cwd}/${path}`);
  if (command.includes("/")) return checkProgram(within(command));
  let refusal: string | undefined;
  for (const folder of (searchPath ?? DEFAULT_SEARCH_PATH).split(":")) {
    const found = checkProgram(`${within(folder === "" ? "." : folder)}/${command}`);
    if ("path" in found) return found;
    if (found.errorCode === "EACCES") refusal = "EACCES";
    else if (found.errorCode !== "ENOENT" && found.errorCode !== "ENOTDIR") return found;
  }
  return { errorCode: refusal ?? "ENOENT" };
}

/** Whether `path` is something execve would run: an existing regular file this process may execute. */
function checkProgram(path: string): FoundProgram {
  try {
    // execve refuses a folder, a device or a pipe with EACCES.
    if (!statSync(path).isFile()) return { errorCode: "EACCES" };
    accessSync(path, constants.X_OK);
    return { path };
  } catch (error) {
    const { code, errno } = error as NodeJS.ErrnoException;
    // Not an answer of the system (a NUL byte in the path): the caller reports it.
    if (errno === undefined || code === undefined) throw error;
    return { errorCode: code };
  }
}
