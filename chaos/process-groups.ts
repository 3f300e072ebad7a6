import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

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
