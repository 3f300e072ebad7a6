/**
 * Items pushed as they come and read in order by one async iteration, which
 * waits while the queue is empty: the request side of a client stream, or
 * the response side of a server stream. end() lets the reader finish after
 * the items already pushed; end(err) makes it throw err after them.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private failure: { err: unknown } | undefined;

  /** Adds an item; after end() it is dropped. */
  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.signal();
  }

  /** No more items: the reader ends (or throws err) once it has read the ones pushed. */
  end(err?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (err !== undefined) this.failure = { err };
    this.signal();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift()!;
        continue;
      }
      if (this.ended) {
        if (this.failure) throw this.failure.err;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
