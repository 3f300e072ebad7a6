/**
 * The README, run as a new user runs it: every ```sh block, top to bottom,
 * in one shell, against a fresh server. Only the port changes (the test's
 * server listens on a free one). A block preceded by
 * `<!-- not run by test/readme-walkthrough.test.ts: reason -->` is skipped:
 * it starts the server (the test has its own), needs Docker or SLURM, or runs
 * the test suite itself.
 *
 * The shell's folder stands for the user's clone: its node_modules is the
 * repository's (so `npx buf` resolves as it does in a clone), and `whatsnext`
 * is on the PATH as `npm link` puts it there.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, it } from "node:test";
import { CLI, cliEnvironment, tempFolder } from "./support/run-cli.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SKIP_MARKER = /^<!--\s*not run by test\/readme-walkthrough\.test\.ts:\s*(.+?)\s*-->$/;
/** The README's server address; every block uses it, and the test's server is elsewhere. */
const README_ADDRESS = "127.0.0.1:50051";

interface ShellBlock {
  line: number;
  text: string;
}

/** The README's ```sh blocks in order, without the ones marked as not run (which must say why). */
function runnableShellBlocks(readme: string): { run: ShellBlock[]; skipped: Array<ShellBlock & { reason: string }> } {
  const lines = readme.split("\n");
  const run: ShellBlock[] = [];
  const skipped: Array<ShellBlock & { reason: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]!);
    let previous = start - 1;
    while (previous >= 0 && lines[previous]!.trim() === "") previous--;
    const marker = previous >= 0 ? SKIP_MARKER.exec(lines[previous]!.trim()) : null;
    const block = { line: start + 1, text: body.join("\n") };
    if (marker) skipped.push({ ...block, reason: marker[1]! });
    else run.push(block);
  }
  return { run, skipped };
}

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
});

it("the README's shell blocks run in order on a fresh server, changing only the port", { timeout: 240_000 }, async () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const { run, skipped } = runnableShellBlocks(readme);
  assert.ok(run.length >= 2, "the README has runnable shell blocks");
  assert.ok(skipped.length <= 7, `keep the list of blocks not run short: ${skipped.map((b) => `line ${b.line} (${b.reason})`).join(", ")}`);

  const port = new URL(server.url).port;
  const clone = tempFolder("wn-readme-");
  symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"));
  // What `npm link` does: whatsnext and wnxt on the PATH.
  const bin = join(clone, ".bin");
  mkdirSync(bin);
  symlinkSync(CLI, join(bin, "whatsnext"));
  symlinkSync(CLI, join(bin, "wnxt"));

  const script = [
    "set -eo pipefail",
    ...run.map((b) => `echo '### README line ${b.line}' >&2\n${b.text.replaceAll(README_ADDRESS, `127.0.0.1:${port}`)}`),
    "echo '### README done' >&2",
  ].join("\n");
  const env = cliEnvironment(clone, { PATH: `${bin}:${process.env.PATH}` });
  // Its own process group: the workers the README starts in the background end with it.
  const shell = spawn("bash", ["-c", script], { cwd: clone, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  shell.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  shell.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
  let code: number | null;
  try {
    code = await new Promise<number | null>((resolve) => shell.on("exit", (c) => resolve(c)));
  } finally {
    await endGroup(shell.pid!);
  }
  const failedAt = [...output.matchAll(/### README line (\d+)/g)].pop()?.[1];
  assert.equal(code, 0, `the README failed in the block at line ${failedAt}:\n${output}`);
  assert.match(output, /### README done/);
  // The walkthrough's promises: 100 jobs, the seed=7 row failed, and `jobs show` ends with the output.
  assert.match(output, /created 100 jobs/);
  assert.match(output, /RuntimeError: loss is NaN/);
});

/** SIGTERM to the group (workers finish their jobs and exit), SIGKILL what is left after 10 s. */
async function endGroup(pgid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-pgid, "SIGTERM");
  for (let waited = 0; waited < 10_000 && alive(); waited += 100) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(-pgid, "SIGKILL");
}
