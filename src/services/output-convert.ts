import { OutputStream, type OutputChunk } from "../../gen/whatsnext/v1/job_pb.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { NewOutputPiece, OutputPage, OutputPiece } from "../domain/job-output.js";
import { DEFAULT_PAGE_BYTES } from "../queue/job-output.js";
import { requireIntInRange } from "./validation.js";
import { withoutNul } from "./worker-input.js";

/** Most pieces in one AppendJobOutput. */
export const MAX_PIECES_PER_SEND = 1000;
/** Most text in one AppendJobOutput (the worker sends 64 KiB at a time). */
export const MAX_SEND_BYTES = 1024 * 1024;
/** The largest page a reader may ask for. */
export const MAX_PAGE_BYTES = 1024 * 1024;

const streamToProto: Record<OutputPiece["stream"], OutputStream> = {
  stdout: OutputStream.STDOUT,
  stderr: OutputStream.STDERR,
  notice: OutputStream.NOTICE,
  combined: OutputStream.COMBINED,
};

export function pieceToProto(p: OutputPiece) {
  return { stream: streamToProto[p.stream], text: p.text, offset: BigInt(p.offset) };
}

/** A page as GetJobOutput and FollowJobOutput answer it. */
export function pageToProto(page: OutputPage) {
  return { attempt: page.attempt, chunks: page.pieces.map(pieceToProto), nextOffset: BigInt(page.nextOffset), size: BigInt(page.size), ended: page.ended };
}

/** A worker's send: 1 to MAX_PIECES_PER_SEND pieces of stdout, stderr or notice, MAX_SEND_BYTES in all, without NUL. */
export function requireOutputPieces(field: string, chunks: readonly OutputChunk[]): NewOutputPiece[] {
  if (chunks.length === 0 || chunks.length > MAX_PIECES_PER_SEND) {
    throw new InvalidArgumentError(field, `must hold 1 to ${MAX_PIECES_PER_SEND} pieces, got ${chunks.length}`);
  }
  let bytes = 0;
  return chunks.map((c, i) => {
    let stream: NewOutputPiece["stream"];
    if (c.stream === OutputStream.STDOUT) stream = "stdout";
    else if (c.stream === OutputStream.STDERR) stream = "stderr";
    else if (c.stream === OutputStream.NOTICE) stream = "notice";
    else throw new InvalidArgumentError(`${field}[${i}].stream`, `must be OUTPUT_STREAM_STDOUT, _STDERR or _NOTICE, got ${OutputStream[c.stream] ?? c.stream}`);
    bytes += Buffer.byteLength(c.text, "utf8");
    if (bytes > MAX_SEND_BYTES) throw new InvalidArgumentError(field, `must hold at most ${MAX_SEND_BYTES} bytes of text in all`);
    return { stream, text: withoutNul(c.text) };
  });
}

/** An attempt number: 0 (the latest) or a positive number. */
export function requireAttempt(field: string, value: number): number {
  return requireIntInRange(field, value, 0, 2_147_483_647);
}

/** A byte offset: 0 or more, within JavaScript's exact range. */
export function requireOffset(field: string, value: bigint): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError(field, `must be 0 or more, got ${value}`);
  return Number(value);
}

/** A page size: 0 means DEFAULT_PAGE_BYTES. */
export function requirePageBytes(field: string, value: number): number {
  return value === 0 ? DEFAULT_PAGE_BYTES : requireIntInRange(field, value, 1, MAX_PAGE_BYTES);
}
