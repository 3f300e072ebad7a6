/**
 * `--follow` for status and queue listings: a WatchJobs stream that ends
 * cleanly on Ctrl-C (exit 0), or when the caller says it has seen enough.
 */
import type { WatchJobsResponse } from "../../gen/whatsnext/v1/job_pb.js";
import type { CliContext } from "./cli-context.js";

/**
 * Calls onEvent for every change to the project's jobs until onEvent returns
 * true, the user interrupts (SIGINT/SIGTERM) or the stream fails (rejects).
 * onReady runs once the stream is being read, so a snapshot taken there
 * misses no change that follows it.
 */
export async function followJobs(
  ctx: CliContext,
  projectId: bigint,
  onEvent: (event: WatchJobsResponse) => boolean | Promise<boolean>,
  onReady: () => boolean | Promise<boolean>,
): Promise<void> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const stream = ctx.client.jobs.watchJobs({ projectId }, { signal: abort.signal });
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    first.catch(() => undefined);
    if (await onReady()) return;
    for (let next = await first; !next.done; next = await iterator.next()) {
      if (await onEvent(next.value)) return;
    }
    if (!abort.signal.aborted) throw new Error("the server ended the watch (is it shutting down?)");
  } catch (err) {
    if (abort.signal.aborted) return;
    throw err;
  } finally {
    abort.abort();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
