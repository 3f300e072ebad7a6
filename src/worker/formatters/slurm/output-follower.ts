/**
 * Follows a SLURM job's output file while the job runs, for live logs: each
 * call reads what was appended since the last one. The file lives on a
 * shared file system where change events are unreliable (NFS, Lustre), so
 * the formatter calls it on its squeue rounds instead of watching the file.
 *
 * A requeued job's batch script renames the earlier run's output into place
 * as `output.log.N` before it empties `output.log` (see batch-script.ts):
 * a numbered file not seen yet holds the rest of the run being followed
 * (read from where reading stopped), and `output.log` then starts afresh.
 */
import { open, readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The most read from the file in one piece. */
const CHUNK_BYTES = 1 << 20;
/** The most of output.log held before it is passed on (a chatty job writes gigabytes between two rounds). */
const BATCH_BYTES = 16 << 20;

/** The numbers N of the `output.log.N` files beside an output file (earlier runs of a requeued job), ascending. */
export async function earlierRunNumbers(outputPath: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dirname(outputPath));
  } catch {
    return [];
  }
  const prefix = `${basename(outputPath)}.`;
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => a - b);
}

/** The path of the output of earlier run `n` beside an output file. */
export function earlierRunPath(outputPath: string, n: number): string {
  return join(dirname(outputPath), `${basename(outputPath)}.${n}`);
}

/** Reads new output of one job; calls are not concurrent (the formatter awaits each). */
export class OutputFollower {
  private offset = 0;
  /** The earlier-run files already read to their end. */
  private runsDone = 0;

  constructor(
    private readonly outputPath: string,
    private readonly onOutput: (chunk: Buffer, stream: "stdout" | "stderr") => void,
  ) {}

  /** Passes on whatever the job wrote since the last call; never throws (live output is best effort). */
  async poll(): Promise<void> {
    try {
      for (;;) {
        const earlier = (await earlierRunNumbers(this.outputPath)).filter((n) => n > this.runsDone);
        if (earlier.length > 0) {
          // The run being followed was requeued: its rest is in the first new numbered file, later ones were never seen.
          for (const n of earlier) {
            await readFrom(earlierRunPath(this.outputPath, n), this.offset, (chunk) => this.onOutput(chunk, "stdout"));
            this.offset = 0;
            this.runsDone = n;
          }
          continue;
        }
        const chunks: Buffer[] = [];
        const end = await readFrom(this.outputPath, this.offset, (chunk) => chunks.push(chunk), BATCH_BYTES);
        // The script renames the earlier run's output into place before emptying output.log: when no new
        // numbered file appeared by now, what was read came before the emptying and belongs to this run.
        if ((await earlierRunNumbers(this.outputPath)).some((n) => n > this.runsDone)) continue;
        for (const chunk of chunks) this.onOutput(chunk, "stdout");
        const caughtUp = end === this.offset || end - this.offset < BATCH_BYTES;
        this.offset = end;
        if (caughtUp) return;
      }
    } catch {
      // An unreadable output file now may be readable next round; the output tail at the end says what it can.
    }
  }
}

/**
 * Reads `path` from `start` to its end (at most `maxBytes`) in chunks;
 * returns where reading stopped. A file shorter than `start` was emptied by
 * someone else (an sbatch --open-mode=truncate in extra_args): it is read
 * from its beginning.
 */
async function readFrom(path: string, start: number, sink: (chunk: Buffer) => void, maxBytes = Number.POSITIVE_INFINITY): Promise<number> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return start;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    let position = size < start ? 0 : start;
    const stop = Math.min(size, position + maxBytes);
    while (position < stop) {
      const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, stop - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      sink(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    return position;
  } finally {
    await handle.close();
  }
}
