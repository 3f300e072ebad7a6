/**
 * What the operating system says about processes, for tests that check that
 * a job's processes are gone after their worker died. A zombie counts as
 * gone: it has ended, only its parent's wait is missing.
 */
import { spawnSync } from "node:child_process";

interface ProcessRow {
  pid: number;
  pgid: number;
  args: string;
}

/** The processes that have not ended, from `ps` (Linux and macOS alike). */
function livingProcesses(): ProcessRow[] {
  const ps = spawnSync("ps", ["-A", "-o", "pid=,pgid=,stat=,args="], { encoding: "utf8" });
  if (ps.status !== 0) throw new Error(`ps failed: ${ps.stderr}`);
  const living: ProcessRow[] = [];
  for (const line of ps.stdout.split("\n")) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (match && !match[3]!.startsWith("Z")) living.push({ pid: Number(match[1]), pgid: Number(match[2]), args: match[4]! });
  }
  return living;
}

/** True while the process exists and has not ended. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
  return livingProcesses().some((row) => row.pid === pid);
}

/** The pids of the group's members that have not ended. */
export function livingGroupMembers(pgid: number): number[] {
  return livingProcesses()
    .filter((row) => row.pgid === pgid)
    .map((row) => row.pid);
}

/** The pids of the lifeline watchers (src/worker/lifeline.ts) of a process group that have not ended. */
export function lifelineWatchers(pgid: number): number[] {
  return livingProcesses()
    .filter((row) => / whatsnext-lifeline (\d+) \d+$/.exec(row.args)?.[1] === String(pgid))
    .map((row) => row.pid);
}

/** SIGKILLs a whole process group, if anything of it is left: the cleanup of a test whose assertion failed. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // ESRCH: nothing left.
  }
}

/** Polls until the check holds; fails naming what it waited for (and what `state` says then) after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs: number, state: () => string = () => ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      const detail = state();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${detail}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
