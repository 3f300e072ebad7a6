import { useEffect, useState } from "preact/hooks";
import { OutputStream } from "../../../gen/whatsnext/v1/job_pb.js";
import { api } from "../api/clients.js";
import { readableError, type ReadableError } from "../api/readable-error.js";

/** A piece of output as the page shows it. */
export interface ShownPiece {
  /** "combined": FinishJob's tail of a worker that did not stream. */
  readonly stream: "stdout" | "stderr" | "notice" | "combined";
  readonly text: string;
}

export interface JobOutputState {
  /** The attempt shown; 0 until the job has one. */
  readonly attempt: number;
  readonly pieces: readonly ShownPiece[];
  /** The attempt ended and all its output is shown. */
  readonly ended: boolean;
  /** Set while the stream is broken and being reopened. */
  readonly error?: ReadableError;
}

/** Text the page keeps; older pieces go first (the server keeps the whole). */
const KEPT_CHARS = 2_000_000;

function shown(stream: OutputStream): ShownPiece["stream"] {
  if (stream === OutputStream.STDERR) return "stderr";
  if (stream === OutputStream.NOTICE) return "notice";
  if (stream === OutputStream.COMBINED) return "combined";
  return "stdout";
}

/**
 * Follows the output of a job's latest attempt (FollowJobOutput) while the
 * page shows it: what exists, then each piece as the worker sends it. A new
 * attempt (runs changed) starts over on it; a broken stream is reopened
 * from where it stopped, after a growing pause (1 s to 10 s).
 */
export function useJobOutput(jobId: bigint, runs: number): JobOutputState {
  const [state, setState] = useState<JobOutputState>({ attempt: 0, pieces: [], ended: false });

  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    let pieces: ShownPiece[] = [];
    let chars = 0;
    let attempt = runs;
    let offset = 0n;
    setState({ attempt, pieces, ended: false });
    (async () => {
      let pause = 1000;
      while (!signal.aborted) {
        try {
          for await (const msg of api.jobs.followJobOutput({ jobId, attempt, offset }, { signal })) {
            attempt = msg.attempt;
            offset = msg.nextOffset;
            const added = msg.chunks.map((c) => ({ stream: shown(c.stream), text: c.text }));
            pieces = [...pieces, ...added];
            chars += added.reduce((n, p) => n + p.text.length, 0);
            while (chars > KEPT_CHARS && pieces.length > 1) chars -= pieces.shift()!.text.length;
            pause = 1000;
            setState({ attempt, pieces, ended: false });
          }
          if (!signal.aborted) setState({ attempt, pieces, ended: true });
          return;
        } catch (err) {
          if (signal.aborted) return;
          setState({ attempt, pieces, ended: false, error: readableError(err, "the job's output") });
          await new Promise((resolve) => setTimeout(resolve, pause));
          pause = Math.min(pause * 2, 10_000);
        }
      }
    })();
    return () => abort.abort();
  }, [jobId, runs]);
  return state;
}
