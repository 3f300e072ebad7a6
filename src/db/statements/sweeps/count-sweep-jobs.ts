import { JOB_STATUSES, type JobStatus } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";

/** Where a sweep's jobs stand. */
export interface SweepStanding {
  readonly byStatus: Record<JobStatus, number>;
  readonly total: number;
  /** When the first and the last of its jobs ended; null while none has. */
  readonly firstFinishedAt: Date | null;
  readonly lastFinishedAt: Date | null;
}

/** The standing of each of these sweeps, in one statement over job_sweep_status_idx. */
export async function countSweepJobs(sql: SqlExecutor, sweepIds: readonly number[]): Promise<Map<number, SweepStanding>> {
  const out = new Map<number, SweepStanding>();
  for (const id of sweepIds) {
    out.set(id, { byStatus: Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>, total: 0, firstFinishedAt: null, lastFinishedAt: null });
  }
  if (sweepIds.length === 0) return out;
  const rows = await sql.query<{ sweep_id: number; status: JobStatus; n: number; first_finished: Date | null; last_finished: Date | null }>(
    `select sweep_id, status, count(*)::int as n, min(finished_at) as first_finished, max(finished_at) as last_finished
     from job where sweep_id = any(array[?]::bigint[])
     group by sweep_id, status`,
    [[...sweepIds]],
  );
  for (const r of rows) {
    const s = out.get(r.sweep_id)!;
    const ended = r.status === "completed" || r.status === "failed" || r.status === "cancelled";
    out.set(r.sweep_id, {
      byStatus: { ...s.byStatus, [r.status]: r.n },
      total: s.total + r.n,
      firstFinishedAt: ended && r.first_finished && (!s.firstFinishedAt || r.first_finished < s.firstFinishedAt) ? r.first_finished : s.firstFinishedAt,
      lastFinishedAt: ended && r.last_finished && (!s.lastFinishedAt || r.last_finished > s.lastFinishedAt) ? r.last_finished : s.lastFinishedAt,
    });
  }
  return out;
}
