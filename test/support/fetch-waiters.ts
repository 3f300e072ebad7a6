import { metricValue } from "./metrics.js";

/**
 * Waits until a server has at least `count` long-poll FetchJob calls waiting
 * for work, read from its /metrics (whatsnext_fetch_waiting): a test that
 * needs a call to be waiting before it acts waits for that state instead of
 * sleeping.
 */
export async function waitForFetchWaiters(serverUrl: string, count = 1, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting = await metricValue(serverUrl, "whatsnext_fetch_waiting");
    if (waiting !== undefined && waiting >= count) return;
    if (Date.now() > deadline) throw new Error(`no ${count} FetchJob call(s) waiting on ${serverUrl} after ${timeoutMs} ms (last: ${waiting ?? "absent"})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
