import { JobStatus } from "../../../gen/whatsnext/v1/common_pb.js";
import type { GetQueueStatsResponse } from "../../../gen/whatsnext/v1/job_pb.js";

/** GetQueueStats as a count per status, for bars and legends. */
export function statsCounts(stats: GetQueueStatsResponse | undefined): Map<JobStatus, number> {
  const counts = new Map<JobStatus, number>();
  if (!stats) return counts;
  counts.set(JobStatus.PENDING, Number(stats.pending));
  counts.set(JobStatus.QUEUED, Number(stats.queued));
  counts.set(JobStatus.RUNNING, Number(stats.running));
  counts.set(JobStatus.COMPLETED, Number(stats.completed));
  counts.set(JobStatus.FAILED, Number(stats.failed));
  counts.set(JobStatus.BLOCKED, Number(stats.blocked));
  counts.set(JobStatus.CANCELLED, Number(stats.cancelled));
  return counts;
}

/** Runs `work` on every item with at most `limit` at once, keeping the order of the results. */
export async function mapWithLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(lanes);
  return results;
}
