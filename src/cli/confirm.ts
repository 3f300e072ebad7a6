/**
 * Confirmation for commands that destroy data: asked on a terminal, required
 * as `--yes` in scripts, so a pipeline never blocks on a hidden prompt.
 */
import { createInterface } from "node:readline/promises";
import { UsageError } from "./usage-error.js";

/** Resolves when the user agreed (or passed --yes); throws UsageError otherwise. */
export async function confirmDestructive(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY || !process.stderr.isTTY) throw new UsageError(`${question.replace(/\?$/, "")}: pass --yes to confirm`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError("not confirmed; nothing was changed");
  } finally {
    rl.close();
  }
}
