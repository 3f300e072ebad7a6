import type { SqlExecutor } from "../../executor.js";

/**
 * Output retention: deletes the stored output of up to `limit` attempts that
 * ended more than `olderThanSeconds` ago, oldest first, through
 * job_attempt_output_idx; the attempts keep their size (readers then report
 * the output as expired) and FinishJob's tail. SKIP LOCKED lets every
 * replica's reaper run it at once. Returns the attempts cleared.
 */
export async function deleteExpiredOutput(sql: SqlExecutor, olderThanSeconds: number, limit: number): Promise<number> {
  const rows = await sql.query<{ job_id: number }>(
    `with doomed as (
       select job_id, number from job_attempt
       where output_stored > 0 and finished_at < now() - make_interval(secs => ?)
       order by finished_at
       limit ?
       for update skip locked
     ), gone as (
       delete from job_output o using doomed d where o.job_id = d.job_id and o.attempt = d.number
     )
     update job_attempt a set output_stored = 0 from doomed d
     where a.job_id = d.job_id and a.number = d.number
     returning a.job_id`,
    [olderThanSeconds, limit],
  );
  return rows.length;
}
