import type { OutputStreamName } from "../../../domain/job-output.js";
import type { SqlExecutor } from "../../executor.js";

/** A stored piece as read. */
export interface OutputPieceRow {
  readonly offset: number;
  readonly stream: OutputStreamName;
  readonly bytes: number;
  readonly text: string;
}

/** Pieces a page holds at most, whatever their size. */
export const PIECES_PER_PAGE = 2000;

/**
 * An attempt's pieces from `offset` on (the piece holding that offset first),
 * in order, until they add up to maxBytes (the piece that crosses it
 * included). Both bounds go through the primary key.
 */
export async function selectOutputPieces(sql: SqlExecutor, jobId: number, attempt: number, offset: number, maxBytes: number): Promise<OutputPieceRow[]> {
  const rows = await sql.query<{ byte_offset: number; stream: OutputStreamName; bytes: number; content: string }>(
    `select byte_offset, stream, bytes, content from (
       select byte_offset, stream, bytes, content, sum(bytes) over (order by byte_offset) - bytes as before
       from job_output
       where job_id = ? and attempt = ?
         and byte_offset >= coalesce((select max(byte_offset) from job_output where job_id = ? and attempt = ? and byte_offset <= ?), 0)
       order by byte_offset
       limit ${PIECES_PER_PAGE}
     ) p where p.before < ? order by byte_offset`,
    [jobId, attempt, jobId, attempt, offset, maxBytes],
  );
  return rows.map((r) => ({ offset: r.byte_offset, stream: r.stream, bytes: r.bytes, text: r.content }));
}
