/**
 * What the operating system says about processes, for tests that check that
 * a job's processes are gone after their worker died. A zombie counts as
 * gone: it has ended, only its parent's wait is missing.
 */
import { spawnSync } from "node:child_process";

/** The processes that have not ended, as pid → process group, from `ps` (Linux and macOS alike). */
function livingProcesses(): Map<number, number> {
  const ps = spawnSync("ps", ["-A", "-o", "pid=,pgid=,stat="], { encoding: "utf8" });
  if (ps.status !== 0) throw new Error(`ps failed: ${ps.stderr}`);
  const living = new Map<number, number>();
  for (const line of ps.stdout.split("\n")) {
    const [pid, pgid, stat] = line.trim().split(/\s+/);
    if (pid && pgid && stat && !stat.startsWith("Z")) living.set(Number(pid), Number(pgid));
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
  return livingProcesses().has(pid);
}

/** The pids of the group's members that have not ended. */
export function livingGroupMembers(pgid: number): number[] {
  return [...livingProcesses()].filter(([, group]) => group === pgid).map(([pid]) => pid);
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
