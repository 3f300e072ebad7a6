import { LimitExceededError } from "../../domain/errors.js";
import type { JobChange } from "./queue-events.js";

/**
 * Changes a watcher may have queued and not yet read. A consumer that falls
 * further behind is dropped with an error (it must watch again and re-read the
 * state): an unbounded buffer would let one slow dashboard exhaust memory.
 */
export const WATCH_BUFFER_LIMIT = 10_000;

/** A subscription's bounded buffer, iterated once. */
export class WatchBuffer implements AsyncIterable<JobChange> {
  private readonly buffer: JobChange[] = [];
  private ended = false;
  private failure: Error | undefined;
  private notify: (() => void) | undefined;

  constructor(private readonly unsubscribe: () => void) {}

  push(change: JobChange): void {
    if (this.ended) return;
    if (this.buffer.length >= WATCH_BUFFER_LIMIT) {
      this.failure = new LimitExceededError(
        `the watch fell more than ${WATCH_BUFFER_LIMIT} changes behind and was dropped; watch again and re-read the jobs`,
        0,
        "WATCH_FELL_BEHIND",
      );
      this.end();
      return;
    }
    this.buffer.push(change);
    this.signal();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe();
    this.signal();
  }

  private signal(): void {
    const n = this.notify;
    this.notify = undefined;
    n?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JobChange> {
    try {
      for (;;) {
        const next = this.buffer.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.notify = resolve));
      }
    } finally {
      this.end();
    }
  }
}

