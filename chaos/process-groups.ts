import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * Every process the harness starts leads a process group of its own
 * (`detached`), so that one signal to the group reaches it and whatever it
 * started, and so that a fault hits exactly one replica or one worker
 * process. The registry remembers the groups still alive; killAll() ends
 * them at the end of a run, on an error and on Ctrl-C.
 */
export class ProcessGroups {
  private readonly alive = new Map<number, ChildProcess>();
  private readonly external = new Set<number>();
  /** Every group leader ever tracked, so a caller can check that none outlived the run. */
  readonly leaders = new Set<number>();

  /** Spawns command as the leader of a new process group and tracks it until it exits. */
  spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
    const child = spawn(command, args, { ...options, detached: true });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    const pid = child.pid;
    this.alive.set(pid, child);
    this.leaders.add(pid);
    child.once("exit", () => this.alive.delete(pid));
    return child;
  }

  /** Tracks a group the harness did not spawn itself (the postmaster, which pg_ctl detaches). */
  adopt(groupLeaderPid: number): void {
    this.external.add(groupLeaderPid);
    this.leaders.add(groupLeaderPid);
  }

  /** Forgets an adopted group (it was stopped cleanly). */
  release(groupLeaderPid: number): void {
    this.external.delete(groupLeaderPid);
  }

  /** SIGKILL to the whole group of child, and waits until child has exited. */
  async kill(child: ChildProcess): Promise<void> {
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once("exit", () => r()));
    killGroup(child.pid!);
    await exited;
  }

  /** SIGKILL to every group still tracked, without waiting: for an exit handler, where nothing async runs. */
  killAllNow(): void {
    for (const pid of [...this.alive.keys(), ...this.external]) killGroup(pid);
    this.external.clear();
  }

  /** SIGKILL to every group still tracked; waits for the spawned ones to exit. */
  async killAll(): Promise<void> {
    const children = [...this.alive.values()];
    for (const pid of this.external) killGroup(pid);
    this.external.clear();
    await Promise.all(children.map((c) => this.kill(c)));
  }
}

/** SIGKILL to the process group led by pid; a group already gone is not an error. */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/**
 * The processes still running in the process group led by pgid, each as
 * "pid command", read from /proc. A zombie is not running: it has exited and
 * only waits to be reaped, which for an orphan (a postmaster pg_ctl
 * detached) is up to whatever process adopted it, not up to the harness.
 */
export function runningMembers(pgid: number): string[] {
  const members: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const pid of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after its last ')'.
    const close = stat.lastIndexOf(")");
    const [state, , pgrp] = stat.slice(close + 2).split(" ");
    if (Number(pgrp) !== pgid || state === "Z" || state === "X") continue;
    members.push(`${pid} ${stat.slice(stat.indexOf("(") + 1, close)}`);
  }
  return members;
}

/** Waits up to timeoutMs for every listed group to have no running process; returns what is still running then. */
export async function leftoverProcesses(pgids: Iterable<number>, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = [...pgids].flatMap((g) => runningMembers(g).map((m) => `group ${g}: ${m}`));
    if (left.length === 0 || Date.now() >= deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}
