/**
 * The lifeline on its own, under /bin/sh and under bash started as `sh`
 * (what /bin/sh is on macOS): a stand-in worker (test/fixtures/
 * lifeline-parent.ts) holds a job's lifeline and is SIGKILLed, or releases
 * it when the job ends by itself. test/process-runner.test.ts does the same
 * through runProcess, test/worker.test.ts with the real `whatsnext worker`.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { holdLifeline, LIFELINE_SHELL, lifelineUnavailable } from "../src/worker/lifeline.js";
import { isAlive, killGroup, lifelineWatchers, livingGroupMembers, until } from "./support/process-table.js";
import { tempFolder } from "./support/run-cli.js";

const REPOSITORY = fileURLToPath(new URL("..", import.meta.url));
const PARENT = fileURLToPath(new URL("./fixtures/lifeline-parent.ts", import.meta.url));
const posix = process.platform !== "win32";

/** Bash behaves as a POSIX sh when started under that name, as macOS's /bin/sh does. */
function bashAsSh(): string | undefined {
  const bash = spawnSync("sh", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim();
  if (!bash) return undefined;
  const link = join(tempFolder("wn-bash-sh-"), "sh");
  symlinkSync(bash, link);
  return link;
}

/**
 * Starts the stand-in worker: `value` waits for one of its `name value`
 * lines, `pids` for the job's, its child's and the watcher's, and `cleanUp`
 * ends whatever is left of them, so that a failing test leaves nothing behind.
 */
function startParent(shell: string, killGraceMs: number, script: string) {
  const parent = spawn(process.execPath, ["--import", "tsx", PARENT, shell, String(killGraceMs), script], { cwd: REPOSITORY, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  parent.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
  const ended = new Promise<void>((resolve) => parent.once("exit", () => resolve()));
  const value = async (name: string): Promise<string> => {
    const pattern = new RegExp(`^${name}( (\\S+))?$`, "m");
    await until(`the parent to print ${name}`, () => pattern.test(output) || parent.exitCode !== null || parent.signalCode !== null, 30_000, () => `output: ${output}`);
    const match = output.match(pattern);
    if (!match) throw new Error(`the parent ended before printing ${name}; its output:\n${output}`);
    return match[2] ?? "";
  };
  const printed = (name: string): number | undefined => {
    const match = output.match(new RegExp(`^${name} (\\d+)$`, "m"));
    return match ? Number(match[1]) : undefined;
  };
  return {
    parent,
    ended,
    value,
    pids: async (): Promise<[number, number, number]> => [Number(await value("job")), Number(await value("child")), Number(await value("watcher"))],
    async cleanUp(): Promise<void> {
      parent.kill("SIGKILL");
      const job = printed("job");
      if (job !== undefined) killGroup(job);
      const watcher = printed("watcher");
      if (watcher !== undefined && isAlive(watcher)) process.kill(watcher, "SIGKILL");
      await ended;
    },
  };
}

const shells: Array<[string, string | undefined]> = [
  ["/bin/sh", LIFELINE_SHELL],
  ["bash as sh (macOS's /bin/sh)", posix ? bashAsSh() : undefined],
];

describe("a job's lifeline", { skip: posix ? false : "process groups are POSIX" }, () => {
  for (const [name, shell] of shells) {
    const skip = shell === undefined && process.env.CI !== "true" ? "needs bash" : false;

    test(`under ${name}: when the worker dies, the job's group gets SIGTERM, then SIGKILL after the grace`, { skip, timeout: 60_000 }, async () => {
      // The job notes SIGTERM and runs on, so only the SIGKILL ends it; its child ends on SIGTERM.
      const signals = join(tempFolder("wn-lifeline-"), "signals");
      const stand = startParent(shell!, 1_000, `trap 'echo TERM >> "${signals}"' TERM; sleep 300 >/dev/null 2>&1 & echo "child $!"; while :; do sleep 1; done`);
      try {
        const [job, child, watcher] = await stand.pids();
        assert.ok(isAlive(job) && isAlive(child) && isAlive(watcher));
        assert.ok(!livingGroupMembers(job).includes(watcher), "the watcher is not in the job's group");
        stand.parent.kill("SIGKILL");
        await stand.ended;
        await until("the job's processes to end", () => !isAlive(job) && !isAlive(child), 15_000);
        await until("the watcher to leave once the group is gone", () => !isAlive(watcher), 15_000);
        assert.match(readFileSync(signals, "utf8"), /^TERM\n/, "the job got SIGTERM first");
      } finally {
        await stand.cleanUp();
      }
    });

    test(`under ${name}: when the job's process ends by itself, the watcher leaves and kills nothing`, { skip, timeout: 60_000 }, async () => {
      const stand = startParent(shell!, 1_000, `sleep 300 >/dev/null 2>&1 & echo "child $!"`);
      try {
        const [job, child, watcher] = await stand.pids();
        await stand.value("released");
        await until("the watcher to leave", () => !isAlive(watcher), 15_000);
        // Even once its worker is gone, what the job left behind is not the lifeline's business.
        stand.parent.kill("SIGKILL");
        await stand.ended;
        assert.ok(isAlive(child), "the job's child runs on");
        assert.deepEqual(lifelineWatchers(job), []);
      } finally {
        await stand.cleanUp();
      }
    });
  }

  test("cannot be held without its shell, and says so", () => {
    assert.equal(lifelineUnavailable(), null);
    assert.match(lifelineUnavailable("/nonexistent/sh") ?? "", /^\/nonexistent\/sh is missing/);
    const failures: string[] = [];
    // A group number above any pid a system hands out (2^22), in case a shell did start.
    const lifeline = holdLifeline(4_194_305, 1_000, (reason) => failures.push(reason), "/nonexistent/sh");
    lifeline.release();
    return until("the failure to be reported", () => failures.length > 0, 10_000).then(() => assert.match(failures[0]!, /ENOENT/));
  });
});
