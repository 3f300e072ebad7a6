import type { JobChange, WaiterCapacity } from "./queue-events.js";
import { JobWake } from "./job-wake.js";
import { WatchBuffer } from "./watch-buffer.js";

/** One long-poll FetchJob waiting for work in a project. */
interface Waiter {
  readonly deadline: number;
  readonly capacity: WaiterCapacity;
  timer: NodeJS.Timeout;
  wake(): void;
}

/** Whether a waiter with this capacity could claim a job with these needs. */
function fits(capacity: WaiterCapacity, requires: { readonly cpu: number; readonly accelerators: number }): boolean {
  return (capacity.cpu === null || requires.cpu <= capacity.cpu) && (capacity.accelerators === null || requires.accelerators <= capacity.accelerators);
}

const ANY_CAPACITY: WaiterCapacity = { cpu: null, accelerators: null };

/**
 * The waiters and watchers of this process and the dispatch of changes to
 * them. Wake-ups are direct: a change calls the waiters' resolve functions
 * synchronously, so a local CreateJob reaches a waiting FetchJob without any
 * polling.
 */
export class LocalBus {
  private readonly waiters = new Map<number, Set<Waiter>>();
  private readonly watchers = new Map<number, Set<WatchBuffer>>();
  /** Per project, the earliest future not_before heard of: waiters wake then to retry a backoff that ended. */
  private readonly backoffEnds = new Map<number, number>();
  /** Followers of a job's output, by job id: poked when the job changes or gets output. */
  private readonly jobWakes = new Map<number, Set<JobWake>>();

  /**
   * Hands changes to watchers and wakes waiters. A new job whose needs are
   * known wakes one waiter it fits, the longest waiting first (waking them all
   * would send every one of them to claim the same job); any other change that
   * may have made work claimable wakes every waiter of the project.
   */
  dispatch(changes: readonly JobChange[]): void {
    const wakeAllOf = new Set<number>();
    const wakeOneFor = new Map<number, Array<NonNullable<JobChange["requires"]>>>();
    if (this.jobWakes.size > 0) this.pokeJobs(changes.map((c) => c.jobId));
    for (const c of changes) {
      for (const w of this.watchers.get(c.projectId) ?? []) w.push(c);
      if (c.status !== "pending" || c.type === "deleted") continue;
      const nb = c.notBefore?.getTime();
      if (nb !== undefined && nb > Date.now()) this.noteBackoff(c.projectId, nb);
      else if (!c.requires) wakeAllOf.add(c.projectId);
      else {
        const needs = wakeOneFor.get(c.projectId);
        if (needs) needs.push(c.requires);
        else wakeOneFor.set(c.projectId, [c.requires]);
      }
    }
    for (const p of wakeAllOf) for (const w of [...(this.waiters.get(p) ?? [])]) w.wake();
    for (const [p, needs] of wakeOneFor) {
      if (wakeAllOf.has(p)) continue;
      const waiting = [...(this.waiters.get(p) ?? [])];
      for (const requires of needs) {
        if (waiting.length === 0) break;
        const i = waiting.findIndex((w) => fits(w.capacity, requires));
        if (i < 0) continue;
        waiting.splice(i, 1)[0]!.wake();
      }
    }
  }

  /** Long-poll FetchJob calls waiting for work in this process now (a metric, and what tests wait for). */
  waitingCount(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /** Wakes every waiter and output follower: after a lost LISTEN connection nobody knows what was missed. */
  wakeAll(): void {
    for (const set of this.waiters.values()) for (const w of [...set]) w.wake();
    for (const set of this.jobWakes.values()) for (const w of set) w.poke();
  }

  /** Pokes the output followers of these jobs (new output, or the job changed). */
  pokeJobs(jobIds: readonly number[]): void {
    for (const id of jobIds) for (const w of this.jobWakes.get(id) ?? []) w.poke();
  }

  /** A wake-up for one job's output follower, subscribed now, until signal aborts. */
  wakeOnJob(jobId: number, signal: AbortSignal): JobWake {
    const set = this.jobWakes.get(jobId) ?? new Set<JobWake>();
    this.jobWakes.set(jobId, set);
    const wake = new JobWake(() => {
      set.delete(wake);
      if (set.size === 0 && this.jobWakes.get(jobId) === set) this.jobWakes.delete(jobId);
    });
    set.add(wake);
    if (signal.aborted) wake.end();
    else signal.addEventListener("abort", () => wake.end(), { once: true });
    return wake;
  }

  private noteBackoff(projectId: number, at: number): void {
    const known = this.backoffEnds.get(projectId);
    if (known !== undefined && known > Date.now() && known <= at) return;
    this.backoffEnds.set(projectId, at);
    // Waiters already sleeping past the end of the backoff wake at its end instead.
    for (const w of this.waiters.get(projectId) ?? []) {
      if (w.deadline > at) {
        clearTimeout(w.timer);
        w.timer = setTimeout(() => w.wake(), at - Date.now() + 5);
      }
    }
  }

  waitForWork(projectId: number, timeoutMs: number, signal: AbortSignal, capacity: WaiterCapacity = ANY_CAPACITY): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || timeoutMs <= 0) return resolve();
      const now = Date.now();
      const deadline = now + timeoutMs;
      let at = deadline;
      const backoffEnd = this.backoffEnds.get(projectId);
      if (backoffEnd !== undefined) {
        if (backoffEnd <= now) this.backoffEnds.delete(projectId);
        else at = Math.min(at, backoffEnd + 5);
      }
      const set = this.waiters.get(projectId) ?? new Set<Waiter>();
      this.waiters.set(projectId, set);
      const onAbort = () => waiter.wake();
      const waiter: Waiter = {
        deadline,
        capacity,
        timer: setTimeout(onAbort, at - now),
        wake: () => {
          clearTimeout(waiter.timer);
          signal.removeEventListener("abort", onAbort);
          set.delete(waiter);
          if (set.size === 0 && this.waiters.get(projectId) === set) this.waiters.delete(projectId);
          resolve();
        },
      };
      set.add(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  watch(projectId: number, signal: AbortSignal): AsyncIterable<JobChange> {
    const set = this.watchers.get(projectId) ?? new Set<WatchBuffer>();
    this.watchers.set(projectId, set);
    const watcher = new WatchBuffer(() => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(projectId) === set) this.watchers.delete(projectId);
    });
    // Subscribed now, before anyone iterates: changes from here on are buffered.
    set.add(watcher);
    if (signal.aborted) watcher.end();
    else signal.addEventListener("abort", () => watcher.end(), { once: true });
    return watcher;
  }

  /** Ends every watcher (shutdown) and wakes every waiter. */
  close(): void {
    for (const set of this.watchers.values()) for (const w of [...set]) w.end();
    for (const set of this.jobWakes.values()) for (const w of [...set]) w.end();
    this.wakeAll();
  }
}

