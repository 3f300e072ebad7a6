/**
 * Sends a running job's stdout and stderr to the server as they are produced
 * (AppendJobOutput), in sends of up to 64 KiB or every half second (output
 * after a quiet spell goes at once), without ever holding the job up:
 * push() only queues. While the server is slow or
 * away the output waits in a bounded buffer; past its size the oldest lines
 * go, and the next send begins with a notice saying how many bytes. A send
 * that failed is repeated with the same seq, which the server stores once.
 */
import { StringDecoder } from "node:string_decoder";
import { Code, ConnectError } from "@connectrpc/connect";
import { OutputStream, type Job } from "../../gen/whatsnext/v1/job_pb.js";
import type { WhatsNextClient } from "../client/connect.js";
import { describeError, isFatal } from "./reporting-call.js";

/** A send is made once this much output waits… */
export const DEFAULT_BATCH_BYTES = 64 * 1024;
/** …or this long after the last send (at once when that was longer ago). */
export const DEFAULT_FLUSH_MS = 500;
/** Output held per job while the server does not take it; past it the oldest lines are dropped. */
export const DEFAULT_BUFFER_BYTES = 8 * 1024 * 1024;
/** Time one send may take before it counts as failed (and is tried again). */
const SEND_TIMEOUT_MS = 10_000;
/** Time close() waits for the last output to reach the server; FinishJob's tail covers the rest. */
export const DEFAULT_CLOSE_WAIT_MS = 5_000;

type StreamName = "stdout" | "stderr" | "notice";

/** Output waiting to be sent: consecutive output of one stream, merged up to a send's size. */
interface Piece {
  stream: StreamName;
  text: string;
  bytes: number;
}

/** One send: its number and its pieces. */
export interface OutputSend {
  readonly seq: bigint;
  readonly chunks: Array<{ stream: OutputStream; text: string }>;
}

export interface OutputShipperOptions {
  /** Makes one send; rejects when it failed. */
  send(batch: OutputSend): Promise<unknown>;
  batchBytes?: number;
  flushMs?: number;
  bufferBytes?: number;
  /** Told once when sending starts failing, once when it works again, and when the shipper gives up. */
  onProblem?(message: string): void;
}

const PROTO_STREAM: Record<StreamName, OutputStream> = { stdout: OutputStream.STDOUT, stderr: OutputStream.STDERR, notice: OutputStream.NOTICE };

/** The shipper of one job's output; push() from the process's data events, close() once it ended. */
export class OutputShipper {
  private readonly batchBytes: number;
  private readonly flushMs: number;
  private readonly bufferBytes: number;
  private readonly decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
  private queue: Piece[] = [];
  private queued = 0;
  /** Bytes dropped from the buffer and not yet told in a notice. */
  private dropped = 0;
  /** The send being made (kept until the server took it). */
  private current: OutputSend | undefined;
  /** Numbered from the time, so a later worker process on the same attempt still counts up. */
  private seq = BigInt(Date.now()) * 1000n;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryNow: (() => void) | undefined;
  private failing = false;
  /** When the last send started (ms since the epoch). */
  private lastSendAt = 0;
  private closing = false;
  private stopped = false;
  private drainedWaiters: Array<() => void> = [];

  constructor(private readonly options: OutputShipperOptions) {
    this.batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    this.flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    this.bufferBytes = Math.max(options.bufferBytes ?? DEFAULT_BUFFER_BYTES, 1024);
  }

  /** Queues a chunk of the job's output; never waits. */
  push(chunk: Buffer, stream: "stdout" | "stderr"): void {
    if (this.stopped || this.closing) return;
    const text = this.decoders[stream].write(chunk);
    if (text !== "") this.enqueue(stream, text);
  }

  /**
   * Sends what is left, waiting at most waitMs for the server to take it,
   * then stops. Resolves true when everything reached the server.
   */
  async close(waitMs = DEFAULT_CLOSE_WAIT_MS): Promise<boolean> {
    if (!this.closing && !this.stopped) {
      for (const stream of ["stdout", "stderr"] as const) {
        const rest = this.decoders[stream].end();
        if (rest !== "") this.enqueue(stream, rest);
      }
    }
    this.closing = true;
    clearTimeout(this.timer);
    this.retryNow?.();
    this.kick();
    let deadline: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.whenDrained().then(() => true),
      new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(false), waitMs))),
    ]);
    clearTimeout(deadline);
    if (!drained) this.options.onProblem?.(`gave up sending the job's output after ${waitMs} ms; ${this.queued + (this.current ? 1 : 0) > 0 ? "the rest is only in the output tail" : ""}`.trim());
    this.stop();
    return drained;
  }

  /** Stops at once, dropping whatever waits. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    this.retryNow?.();
    this.queue = [];
    this.queued = 0;
    this.current = undefined;
    this.resolveDrained();
  }

  private enqueue(stream: StreamName, text: string): void {
    for (const part of splitText(text, this.batchBytes)) {
      const bytes = Buffer.byteLength(part, "utf8");
      const last = this.queue[this.queue.length - 1];
      if (last && last.stream === stream && last.bytes + bytes <= this.batchBytes) {
        last.text += part;
        last.bytes += bytes;
      } else {
        this.queue.push({ stream, text: part, bytes });
      }
      this.queued += bytes;
    }
    if (this.queued > this.bufferBytes) this.dropOldest();
    if (this.queued >= this.batchBytes) this.kick();
    else if (!this.timer && !this.running) {
      // Output after a quiet spell goes at once; while it keeps coming, one send per flushMs.
      this.timer = setTimeout(() => this.kick(), Math.max(0, this.lastSendAt + this.flushMs - Date.now()));
    }
  }

  /**
   * Drops the oldest output until the buffer fits again, in whole lines: a
   * cut that ends inside a line goes on to that line's end, in the next piece
   * of the same stream if need be.
   */
  private dropOldest(): void {
    const open = new Set<StreamName>();
    while (this.queue.length > 0 && (this.queued > this.bufferBytes || open.size > 0)) {
      const excess = this.queued - this.bufferBytes;
      const index = excess > 0 ? 0 : this.queue.findIndex((p) => open.has(p.stream));
      if (index < 0) break;
      const piece = this.queue[index]!;
      // Past the excess, only the rest of an open line is cut.
      const from = excess > 0 && !open.has(piece.stream) ? Math.max(1, Math.min(excess, piece.bytes)) : 1;
      const buf = Buffer.from(piece.text, "utf8");
      const newline = buf.indexOf(10, from - 1);
      const cut = newline < 0 ? buf.length : newline + 1;
      if (newline < 0) open.add(piece.stream);
      else open.delete(piece.stream);
      if (cut >= buf.length) this.queue.splice(index, 1);
      else {
        piece.text = buf.subarray(cut).toString("utf8");
        piece.bytes = buf.length - cut;
      }
      this.queued -= cut;
      this.dropped += cut;
    }
  }

  private takeSend(): OutputSend | undefined {
    const chunks: OutputSend["chunks"] = [];
    let bytes = 0;
    if (this.dropped > 0) {
      chunks.push({
        stream: OutputStream.NOTICE,
        text: `[whatsnext worker: ${this.dropped} bytes of output dropped here: the server was slow or away and the worker's buffer of ${this.bufferBytes} bytes was full]`,
      });
      this.dropped = 0;
    }
    while (this.queue.length > 0 && bytes + this.queue[0]!.bytes <= this.batchBytes) {
      const piece = this.queue.shift()!;
      this.queued -= piece.bytes;
      bytes += piece.bytes;
      chunks.push({ stream: PROTO_STREAM[piece.stream], text: piece.text });
    }
    if (chunks.length === 0) return undefined;
    this.seq += 1n;
    return { seq: this.seq, chunks };
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.stopped) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.queued >= this.batchBytes || (this.closing && (this.queued > 0 || this.dropped > 0))) this.kick();
      else if (this.queued > 0 || this.dropped > 0) this.timer = setTimeout(() => this.kick(), this.flushMs);
      else this.resolveDrained();
    });
  }

  /** Makes sends until what waits is less than a send's worth (the timer sends the rest). */
  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      this.current ??= this.takeSend();
      const send = this.current;
      if (!send) return;
      this.lastSendAt = Date.now();
      try {
        await this.options.send(send);
        if (this.current === send) this.current = undefined;
        failures = 0;
        if (this.failing) {
          this.failing = false;
          this.options.onProblem?.("the job's output reaches the server again");
        }
      } catch (err) {
        if (isFatal(err) || (err instanceof ConnectError && err.code === Code.FailedPrecondition)) {
          // The attempt is not ours any more, or the server does not take output: FinishJob's tail is what remains.
          this.options.onProblem?.(`stopped sending the job's output: ${describeError(err)}`);
          this.stop();
          return;
        }
        failures += 1;
        if (!this.failing) {
          this.failing = true;
          this.options.onProblem?.(`could not send the job's output (${describeError(err)}); keeping up to ${this.bufferBytes} bytes and trying again`);
        }
        await new Promise<void>((resolve) => {
          this.retryNow = resolve;
          this.retryTimer = setTimeout(resolve, Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
        });
        this.retryNow = undefined;
        continue;
      }
      if (!this.closing && this.queued < this.batchBytes) return;
    }
  }

  private whenDrained(): Promise<void> {
    if (!this.running && !this.current && this.queued === 0 && this.dropped === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainedWaiters.push(resolve));
  }

  private resolveDrained(): void {
    const waiters = this.drainedWaiters;
    this.drainedWaiters = [];
    for (const w of waiters) w();
  }
}

/** text in parts of at most maxBytes bytes of UTF-8, never splitting a character. */
function splitText(text: string, maxBytes: number): string[] {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, "utf8") <= maxBytes) return [text];
  const parts: string[] = [];
  const buf = Buffer.from(text, "utf8");
  let start = 0;
  while (start < buf.length) {
    let end = Math.min(start + maxBytes, buf.length);
    while (end < buf.length && (buf[end]! & 0xc0) === 0x80) end--;
    parts.push(buf.subarray(start, end).toString("utf8"));
    start = end;
  }
  return parts;
}

/**
 * The shipper of a claimed job's output to its attempt (the job's runs when
 * claimed); undefined when the server gave no attempt number (an older
 * server), which leaves FinishJob's tail as the only output.
 */
export function shipJobOutput(
  client: WhatsNextClient,
  workerId: string,
  job: Job,
  options: { bufferBytes?: number; onProblem?: (message: string) => void } = {},
): OutputShipper | undefined {
  if (job.runs <= 0) return undefined;
  return new OutputShipper({
    ...options,
    send: (batch) =>
      client.workers.appendJobOutput({ jobId: job.id, workerId, attempt: job.runs, seq: batch.seq, chunks: batch.chunks }, { timeoutMs: SEND_TIMEOUT_MS }),
  });
}
