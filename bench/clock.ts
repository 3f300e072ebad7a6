/**
 * Microseconds on the system-wide monotonic clock (CLOCK_MONOTONIC through
 * libuv), so that a time stamped in one process can be compared with a time
 * read in another process on the same machine: pickup latency crosses processes.
 */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Milliseconds elapsed since a monotonicMicros() reading. */
export function millisSince(startMicros: number): number {
  return (monotonicMicros() - startMicros) / 1000;
}
