/**
 * Which accelerators (GPUs) a worker may hand out: a count, an explicit
 * list of device ids, or `auto` (the devices nvidia-smi reports, or those
 * in the worker's own CUDA_VISIBLE_DEVICES when it was given a subset).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Thrown for an --accelerators value that is neither a count, a list nor auto. */
export class AcceleratorSpecError extends Error {
  override name = "AcceleratorSpecError";
}

/**
 * Resolves the spec into device ids: "2" → ["0","1"], "0,3" → ["0","3"],
 * "auto" → detected ids ([] without nvidia-smi), "none"/"0" → [].
 */
export async function resolveAccelerators(spec: string | number, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const text = String(spec).trim();
  if (text === "auto") return detectAccelerators(env);
  if (text === "none" || text === "") return [];
  if (/^[0-9]+$/.test(text)) return Array.from({ length: Number(text) }, (_, i) => String(i));
  const ids = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (ids.length === 0 || ids.some((id) => !/^[A-Za-z0-9:._-]+$/.test(id))) {
    throw new AcceleratorSpecError(`--accelerators must be a count, a comma-separated list of device ids, or auto; got ${JSON.stringify(text)}`);
  }
  if (new Set(ids).size !== ids.length) throw new AcceleratorSpecError(`--accelerators lists a device twice: ${JSON.stringify(text)}`);
  return ids;
}

/** The GPUs this worker sees: its own CUDA_VISIBLE_DEVICES when set, else nvidia-smi's list, else none. */
export async function detectAccelerators(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined && visible.trim() !== "") return visible.split(",").map((s) => s.trim()).filter((s) => s !== "" && s !== "-1");
  try {
    const { stdout } = await run("nvidia-smi", ["--query-gpu=index", "--format=csv,noheader"], { env, timeout: 10_000 });
    return stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /^[0-9]+$/.test(l));
  } catch {
    return [];
  }
}
