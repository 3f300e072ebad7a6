/**
 * A job's output while it runs: workers append pieces to their attempt,
 * readers page through it by offset, and followers get what exists and then
 * what follows, woken by the queue's events (no polling).
 *
 * The cap: an attempt keeps at most `maxBytes` bytes; past it the first half
 * (the head: how the job started) stays and the oldest of the rest goes, so
 * the latest output is always there. Readers see the hole as a notice.
 */
import type { SqlDatabase, SqlExecutor } from "../db/executor.js";
import { insertOutputPieces } from "../db/statements/job-output/insert-output-pieces.js";
import { reserveOutputRange } from "../db/statements/job-output/reserve-output-range.js";
import { selectOutputAttempt } from "../db/statements/job-output/select-output-attempt.js";
import { PIECES_PER_PAGE, selectOutputPieces } from "../db/statements/job-output/select-output-pieces.js";
import { trimOutputTail } from "../db/statements/job-output/trim-output-tail.js";
import type { WorkerActor } from "../db/statements/workers/worker-actor.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, NotLeaseHolderError } from "../domain/errors.js";
import type { NewOutputPiece, OutputPage, OutputPiece } from "../domain/job-output.js";
import type { QueueEvents } from "./events/queue-events.js";

/** How much output an attempt keeps. */
export interface OutputSettings {
  /** Bytes kept per attempt: the first half and the latest half. */
  readonly maxBytes: number;
}

/** A page's size when the reader does not say. */
export const DEFAULT_PAGE_BYTES = 256 * 1024;

const LIVE_OUTCOMES = new Set(["claimed", "running"]);
/** Statuses after which no new attempt comes without someone's action (a retry). */
const SETTLED_STATUSES = new Set(["completed", "failed", "cancelled", "blocked"]);

/** What a send did: the attempt's output size after it, and whether it was a repeat. */
export interface AppendResult {
  readonly size: number;
  readonly duplicate: boolean;
}

/**
 * Appends a worker's send to its attempt, in one transaction: room is made
 * on the attempt row (the guard: current attempt, live, held by the actor,
 * newer seq), the pieces are stored after it, and the tail is trimmed back
 * under the cap. A repeated send (seq already stored) is answered, not stored.
 */
export async function appendJobOutput(
  db: SqlDatabase,
  events: QueueEvents,
  actor: WorkerActor,
  input: { readonly jobId: number; readonly attempt: number; readonly seq: number; readonly pieces: readonly NewOutputPiece[] },
  settings: OutputSettings,
): Promise<AppendResult> {
  const pieces = input.pieces.map((p) => ({ ...p, bytes: Buffer.byteLength(p.text, "utf8") })).filter((p) => p.bytes > 0);
  const bytes = pieces.reduce((n, p) => n + p.bytes, 0);
  const stored = await db.transaction(async (tx) => {
    const range = await reserveOutputRange(tx, actor, { jobId: input.jobId, attempt: input.attempt, seq: input.seq, bytes });
    if (!range) return null;
    await insertOutputPieces(tx, input.jobId, input.attempt, range.start, pieces);
    if (range.stored > settings.maxBytes) await trimOutputTail(tx, input.jobId, input.attempt, Math.floor(settings.maxBytes / 2), range.stored - settings.maxBytes);
    return range;
  });
  if (!stored) return refusedAppend(db, actor, input);
  if (bytes > 0) await events.outputAppended([input.jobId]);
  return { size: stored.start + bytes, duplicate: false };
}

/** Why a send was refused, read once after the guard said no; a repeat of a stored send is no error. */
async function refusedAppend(sql: SqlExecutor, actor: WorkerActor, input: { jobId: number; attempt: number; seq: number }): Promise<AppendResult> {
  const state = await selectOutputAttempt(sql, input.jobId, input.attempt);
  if (!state) throw new NotFoundError("job", input.jobId);
  const a = state.attempt;
  if (!a) throw new NotFoundError("attempt", `${input.attempt} of job ${input.jobId}`);
  if (a.workerId !== actor.workerId) throw new NotLeaseHolderError(input.jobId, actor.workerId, a.workerId);
  if (input.seq <= a.seq) return { size: a.size, duplicate: true };
  if (!LIVE_OUTCOMES.has(a.outcome) || a.number !== state.latest) {
    throw new FailedPreconditionError(`attempt ${a.number} of job ${input.jobId} has ended (${a.outcome}); it takes no more output`);
  }
  throw new NotLeaseHolderError(input.jobId, actor.workerId, a.workerId);
}

/** Which part of an attempt's output to read. */
export interface OutputRead {
  readonly jobId: number;
  /** 0: the job's latest attempt. */
  readonly attempt: number;
  readonly offset: number;
  /** Read the last maxBytes instead of from offset. */
  readonly fromEnd: boolean;
  readonly maxBytes: number;
  /**
   * An attempt after the job's latest is one still to come (a follow of the
   * next attempt): an empty page of attempt 0, not NotFound.
   */
  readonly upcoming?: boolean;
}

/**
 * One page of an attempt's output. Holes (output removed by the cap or by
 * retention) come back as notices, so offsets stay those of the output as it
 * was produced. A job not claimed yet, read as attempt 0, is an empty page of
 * attempt 0. An attempt whose worker did not stream has its FinishJob tail.
 */
export async function readJobOutput(sql: SqlExecutor, read: OutputRead, settings: OutputSettings): Promise<OutputPage> {
  const state = await selectOutputAttempt(sql, read.jobId, read.attempt);
  if (!state) throw new NotFoundError("job", read.jobId);
  const a = state.attempt;
  if (!a) {
    if (read.attempt !== 0 && !(read.upcoming && read.attempt > state.latest)) throw new NotFoundError("attempt", `${read.attempt} of job ${read.jobId}`);
    // No attempt yet: one comes unless the job has settled.
    return { attempt: 0, pieces: [], nextOffset: 0, size: 0, ended: SETTLED_STATUSES.has(state.jobStatus), more: false };
  }
  const ended = !LIVE_OUTCOMES.has(a.outcome);
  if (a.size === 0 && ended) {
    // Nothing was streamed: what the worker gave with FinishJob is all there is.
    const pieces: OutputPiece[] = a.outputTail === "" ? [] : [{ stream: "combined", text: a.outputTail, offset: 0 }];
    return { attempt: a.number, pieces, nextOffset: 0, size: 0, ended, more: false };
  }
  const from = read.fromEnd ? Math.max(0, a.size - read.maxBytes) : read.offset;
  if (from > a.size) throw new InvalidArgumentError("offset", `must be at most the output's size, ${a.size}, got ${from}`);
  const rows = await selectOutputPieces(sql, read.jobId, a.number, from, read.maxBytes);
  const pieces: OutputPiece[] = [];
  const hole = (start: number, end: number) => pieces.push({ stream: "notice", text: holeNotice(end - start, a.stored === 0 && ended, settings), offset: start });
  let position = from;
  let bytesRead = 0;
  for (const row of rows) {
    bytesRead += row.bytes;
    const end = row.offset + row.bytes;
    if (end <= position) continue;
    if (row.offset > position) hole(position, row.offset);
    const text = row.offset < position ? dropLeadingBytes(row.text, position - row.offset) : row.text;
    pieces.push({ stream: row.stream, text, offset: Math.max(position, row.offset) });
    position = end;
  }
  const more = rows.length === PIECES_PER_PAGE || bytesRead >= read.maxBytes;
  if (!more && position < a.size) {
    hole(position, a.size);
    position = a.size;
  }
  return { attempt: a.number, pieces, nextOffset: position, size: Math.max(a.size, position), ended, more };
}

/** The note that stands for output that is not kept. */
function holeNotice(bytes: number, expired: boolean, settings: OutputSettings): string {
  return expired
    ? `[whatsnext: ${bytes} bytes of output expired (WHATSNEXT_JOB_OUTPUT_RETENTION)]`
    : `[whatsnext: ${bytes} bytes of output left out: an attempt keeps ${settings.maxBytes} bytes of output, its first and its latest]`;
}

/** text without its first `bytes` bytes (UTF-8), starting at a whole character. */
function dropLeadingBytes(text: string, bytes: number): string {
  const buf = Buffer.from(text, "utf8");
  let start = Math.min(bytes, buf.length);
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
  return buf.subarray(start).toString("utf8");
}

/** Where a follow starts. */
export interface OutputFollow {
  readonly jobId: number;
  readonly attempt: number;
  readonly offset: number;
  /** When above 0, start this many bytes before the end of what exists instead of at offset. */
  readonly tailBytes: number;
}

/**
 * An attempt's output from a point on, then each new piece as it is stored,
 * until the attempt has ended and all of it was given (or signal aborts).
 * The wake-up is subscribed before the first read, so nothing stored in
 * between is missed. A follow of attempt 0 of a job never claimed, or of the
 * attempt after the latest, waits for it (and ends if the job settles
 * first); the first page once the attempt is known is given even when empty,
 * so the follower learns its number.
 */
export async function* followJobOutput(sql: SqlExecutor, events: QueueEvents, follow: OutputFollow, signal: AbortSignal, settings: OutputSettings): AsyncGenerator<OutputPage> {
  const wake = events.wakeOnJob(follow.jobId, signal);
  try {
    let attempt = follow.attempt;
    let offset = follow.offset;
    let fromEnd = follow.tailBytes > 0;
    let known = false;
    while (!signal.aborted && !wake.isEnded) {
      const page = await readJobOutput(
        sql,
        { jobId: follow.jobId, attempt, offset, fromEnd, maxBytes: fromEnd ? follow.tailBytes : DEFAULT_PAGE_BYTES, upcoming: true },
        settings,
      );
      const learned = page.attempt !== 0 && !known;
      if (page.attempt !== 0) {
        attempt = page.attempt;
        fromEnd = false;
        known = true;
      }
      if (page.pieces.length > 0 || learned) yield page;
      offset = page.nextOffset;
      if (page.more) continue;
      if (page.ended) return;
      await wake.wait();
    }
  } finally {
    wake.end();
  }
}
