/**
 * What `status --follow` shows while a queue drains: on a terminal one line,
 * redrawn, with a bar, the share of jobs that ended, the rate and an ETA; in a
 * pipe or a log a plain line per change. At the end a summary: counts, wall
 * time and the failed jobs by name.
 */
import type { GetQueueStatsResponse, Job } from "../../gen/whatsnext/v1/job_pb.js";
import { progressBar } from "./progress-bar.js";

const BAR_WIDTH = 24;

/** Jobs that ended (completed, failed or cancelled) and all jobs. */
export function endedOf(stats: GetQueueStatsResponse): { ended: number; total: number } {
  return { ended: Number(stats.completed + stats.failed + stats.cancelled), total: Number(stats.total) };
}

/** `1:05`, `1:02:03`: a duration as people read a clock. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** Follows the rate at which jobs end since the follow began. */
export class DrainRate {
  private readonly startedAt = Date.now();
  private firstEnded?: number;

  /** Jobs per second ended since the first reading, and the ETA of the rest (undefined until something ended). */
  measure(ended: number, total: number, now = Date.now()): { perSecond?: number; etaSeconds?: number } {
    this.firstEnded ??= ended;
    const seconds = (now - this.startedAt) / 1000;
    const done = ended - this.firstEnded;
    if (done <= 0 || seconds <= 0) return {};
    const perSecond = done / seconds;
    return { perSecond, etaSeconds: (total - ended) / perSecond };
  }

  /** Seconds since the follow began. */
  elapsedSeconds(now = Date.now()): number {
    return (now - this.startedAt) / 1000;
  }
}

/** The terminal line: `[#####-----]  42%  42/100 ended | running 4  queued 2  pending 52  failed 3 | 3.1/s | ETA 0:19`. */
export function progressLine(stats: GetQueueStatsResponse, rate: { perSecond?: number; etaSeconds?: number }): string {
  const { ended, total } = endedOf(stats);
  const share = total === 0 ? 1 : ended / total;
  const counts = [
    ["running", stats.running],
    ["queued", stats.queued],
    ["pending", stats.pending],
    ["blocked", stats.blocked],
    ["failed", stats.failed],
  ]
    .filter(([name, n]) => n !== 0n || name === "running" || name === "failed")
    .map(([name, n]) => `${name} ${n}`)
    .join("  ");
  const speed = rate.perSecond === undefined ? "" : ` | ${rate.perSecond >= 1 ? rate.perSecond.toFixed(1) : (rate.perSecond * 60).toFixed(1)}${rate.perSecond >= 1 ? "/s" : "/min"}`;
  const eta = rate.etaSeconds === undefined || ended === total ? "" : ` | ETA ${clock(rate.etaSeconds)}`;
  return `${progressBar(share, BAR_WIDTH, "-")} ${String(Math.floor(share * 100)).padStart(3)}%  ${ended}/${total} ended | ${counts}${speed}${eta}`;
}

/** The closing summary: counts, wall time, and the failed jobs by name (the first few, then how many more). */
export function summaryText(stats: GetQueueStatsResponse, wallSeconds: number, failed: readonly Job[], shownFailures: number): string {
  const lines = [
    `${stats.completed} completed, ${stats.failed} failed, ${stats.cancelled} cancelled` +
      (stats.pending + stats.queued + stats.running + stats.blocked > 0n ? `, ${stats.pending + stats.queued + stats.running + stats.blocked} not ended` : "") +
      ` of ${stats.total} jobs; followed for ${clock(wallSeconds)}`,
  ];
  if (failed.length > 0) {
    lines.push(`failed: ${failed.slice(0, shownFailures).map((j) => `${j.name || j.taskName} (job ${j.id})`).join(", ")}${stats.failed > BigInt(shownFailures) ? `, … ${stats.failed - BigInt(shownFailures)} more` : ""}`);
    lines.push("see why: whatsnext jobs show ID  (or: whatsnext queue ls --status failed)");
  }
  return lines.join("\n");
}
