import type { SqlExecutor } from "../../executor.js";

/**
 * Keeps an attempt's stored output within its cap: the head (pieces starting
 * before headBytes) stays, and the oldest pieces after it are deleted until
 * `excess` bytes are gone, never the newest piece. The gap they leave between
 * head and tail is what readers report. Returns the bytes deleted.
 */
export async function trimOutputTail(sql: SqlExecutor, jobId: number, attempt: number, headBytes: number, excess: number): Promise<number> {
  const rows = await sql.query<{ deleted: number }>(
    `with tail as (
       select byte_offset, bytes, sum(bytes) over (order by byte_offset) as running, max(byte_offset) over () as newest
       from job_output where job_id = ? and attempt = ? and byte_offset >= ?
     ), gone as (
       delete from job_output o using tail t
       where o.job_id = ? and o.attempt = ? and o.byte_offset = t.byte_offset
         and t.running - t.bytes < ? and t.byte_offset < t.newest
       returning o.bytes
     ), total as (select coalesce(sum(bytes), 0)::bigint as deleted from gone)
     update job_attempt a set output_stored = a.output_stored - total.deleted
     from total where a.job_id = ? and a.number = ?
     returning total.deleted`,
    [jobId, attempt, headBytes, jobId, attempt, excess, jobId, attempt],
  );
  return rows[0]?.deleted ?? 0;
}
