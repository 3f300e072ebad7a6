/**
 * Records every call of some real commands (sbatch, squeue, scontrol…) and
 * then runs the real one: a folder of small wrapper scripts to put first on
 * PATH. Lets a test against a real cluster see how often and with what
 * arguments the code under test called its tools.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The wrappers and what they recorded. */
export interface LoggedCommands {
  /** Put this folder first on PATH. */
  readonly binDir: string;
  /** Every recorded call so far, as argv with the tool's name first, in the order they started. */
  calls(): Promise<string[][]>;
  callsOf(tool: string): Promise<string[][]>;
}

/** Writes a wrapper for each tool, running the one found on PATH now. */
export async function logCommands(tools: readonly string[]): Promise<LoggedCommands> {
  const binDir = await mkdtemp(join(tmpdir(), "wn-logged-"));
  const logPath = join(binDir, "calls.log");
  for (const tool of tools) {
    const real = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (!real) throw new Error(`${tool} is not on PATH`);
    // One write per call (record separator \x1e, arguments separated by \x1f), so concurrent calls do not interleave.
    await writeFile(
      join(binDir, tool),
      `#!/usr/bin/env bash
line=${tool}
for arg in "$@"; do line+=$'\\x1f'"$arg"; done
printf '%s\\x1e' "$line" >>'${logPath}'
exec '${real}' "$@"
`,
    );
    await chmod(join(binDir, tool), 0o755);
  }
  const calls = async (): Promise<string[][]> => {
    if (!existsSync(logPath)) return [];
    const text = await readFile(logPath, "utf8");
    return text
      .split("\x1e")
      .filter((record) => record !== "")
      .map((record) => record.split("\x1f"));
  };
  return { binDir, calls, callsOf: async (tool) => (await calls()).filter((call) => call[0] === tool) };
}
