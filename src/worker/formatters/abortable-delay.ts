/**
 * The pause between two polls of a scheduler. It ends early when the job is
 * cancelled, so a cancel reaches scancel / runai delete without waiting out
 * a poll interval.
 */

/** Resolves after `ms`, or as soon as `signal` aborts; never rejects. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
