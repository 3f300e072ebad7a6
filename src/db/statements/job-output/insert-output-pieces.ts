import type { OutputStreamName } from "../../../domain/job-output.js";
import type { SqlExecutor } from "../../executor.js";

/** A piece to store, with its length in bytes (UTF-8) worked out by the caller. */
export interface StoredPieceInput {
  readonly stream: OutputStreamName;
  readonly text: string;
  readonly bytes: number;
}

/** Stores a send's pieces one after the other from `start`, in one statement. */
export async function insertOutputPieces(sql: SqlExecutor, jobId: number, attempt: number, start: number, pieces: readonly StoredPieceInput[]): Promise<void> {
  if (pieces.length === 0) return;
  let offset = start;
  const rows = pieces.map((p) => {
    const row = { o: offset, s: p.stream, b: p.bytes, c: p.text };
    offset += p.bytes;
    return row;
  });
  await sql.query(
    `insert into job_output (job_id, attempt, byte_offset, stream, bytes, content)
     select ?, ?, v.o, v.s, v.b, v.c from jsonb_to_recordset(?::jsonb) as v(o bigint, s text, b integer, c text)`,
    [jobId, attempt, JSON.stringify(rows)],
  );
}
