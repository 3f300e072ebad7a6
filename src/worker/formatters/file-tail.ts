/**
 * Reads the end of a job's output file (SLURM writes one per job) with the
 * same bounds as a local process's output tail, without reading the whole
 * file: a job may have written gigabytes.
 */
import { open } from "node:fs/promises";
import { decodeUtf8Tail } from "../../utf8-tail.js";
import { DEFAULT_TAIL_BYTES, DEFAULT_TAIL_LINES, tailLines } from "../process-runner.js";

/** The last `maxBytes` / `maxLines` of a file, or "" when it does not exist (the job never started). */
export async function readFileTail(
  path: string,
  maxBytes: number = DEFAULT_TAIL_BYTES,
  maxLines: number = DEFAULT_TAIL_LINES,
): Promise<string> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, Math.max(0, maxBytes));
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, size - length);
    return tailLines(decodeUtf8Tail(buffer.subarray(0, bytesRead)), maxLines);
  } finally {
    await handle.close();
  }
}
