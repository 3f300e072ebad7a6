import type { SqlExecutor } from "../../executor.js";
import { heldByActorParams, heldByActorSql, type WorkerActor } from "../workers/worker-actor.js";

/** Where a send's pieces go, once the attempt made room for them. */
export interface ReservedRange {
  /** The offset of the send's first byte. */
  readonly start: number;
  /** Bytes stored for the attempt, this send included. */
  readonly stored: number;
  readonly projectId: number;
}

/**
 * Makes room for a send of `bytes` bytes at the end of an attempt's output:
 * advances output_size, output_stored and output_seq in one guarded update.
 * The guard is the whole rule: the attempt is the job's current one, it is
 * claimed or running, the actor holds the job, and the send is newer than the
 * last one stored. Null when the guard refused (the caller reads why).
 */
export async function reserveOutputRange(
  sql: SqlExecutor,
  actor: WorkerActor,
  input: { readonly jobId: number; readonly attempt: number; readonly seq: number; readonly bytes: number },
): Promise<ReservedRange | null> {
  const rows = await sql.query<{ start: number; stored: number; project_id: number }>(
    `update job_attempt a set output_seq = ?, output_size = a.output_size + ?, output_stored = a.output_stored + ?
     from job j
     where a.job_id = ? and a.number = ? and a.outcome in ('claimed', 'running') and a.output_seq < ?
       and j.id = a.job_id and j.runs = a.number and j.status in ('queued', 'running') and ${heldByActorSql("j")}
     returning a.output_size - ? as start, a.output_stored as stored, j.project_id`,
    [input.seq, input.bytes, input.bytes, input.jobId, input.attempt, input.seq, ...heldByActorParams(actor), input.bytes],
  );
  const r = rows[0];
  return r ? { start: r.start, stored: r.stored, projectId: r.project_id } : null;
}
