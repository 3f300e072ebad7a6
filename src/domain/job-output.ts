/**
 * A job's output as its worker sends it while an attempt runs: pieces of
 * stdout and stderr at byte offsets of the attempt's output, and notices of
 * what is missing (dropped by the worker, or removed by the server's cap or
 * retention).
 */

/** Where a piece came from; "notice" is not the job's own output but a note about it. */
export const OUTPUT_STREAMS = ["stdout", "stderr", "notice"] as const;
export type OutputStreamName = (typeof OUTPUT_STREAMS)[number];

/** One stored piece of an attempt's output. */
export interface OutputPiece {
  readonly stream: OutputStreamName | "combined";
  readonly text: string;
  /** Where the piece starts in the attempt's output, in bytes of UTF-8. */
  readonly offset: number;
}

/** A piece a worker sends; its offset is the server's to give. */
export interface NewOutputPiece {
  readonly stream: OutputStreamName;
  readonly text: string;
}

/** A page of an attempt's output. */
export interface OutputPage {
  /** The attempt read; 0 when the job has none yet. */
  readonly attempt: number;
  readonly pieces: OutputPiece[];
  readonly nextOffset: number;
  /** The attempt's output size so far. */
  readonly size: number;
  /** The attempt has ended: nothing will be added. */
  readonly ended: boolean;
  /** More is stored after nextOffset (the page was cut by its size). */
  readonly more: boolean;
}
