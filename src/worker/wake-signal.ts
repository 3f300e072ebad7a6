/**
 * Something the worker's loops wait for: capacity freed, a stop requested.
 * Each wait has its own resolver, so any number of waits may be pending and
 * one wake() releases them all; a wait may also end after a timeout.
 */
export class WakeSignal {
  private readonly waiting = new Set<() => void>();

  /** Resolves at the next wake(), or after timeoutMs when given. */
  wait(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      this.waiting.add(done);
      if (timeoutMs !== undefined) timer = setTimeout(done, timeoutMs);
    });
  }

  /** Releases every pending wait. */
  wake(): void {
    for (const done of [...this.waiting]) done();
  }
}
