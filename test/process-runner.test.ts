import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { decodeUtf8Tail as decodeTail } from "../src/utf8-tail.js";
import {
  describeExit,
  environmentWith,
  OutputTail,
  runProcess,
  tailLines,
} from "../src/worker/process-runner.js";
import { isAlive, killGroup, lifelineWatchers, livingGroupMembers, until } from "./support/process-table.js";

const NODE = process.execPath;
const FIXTURE_BIN = fileURLToPath(new URL("./fixtures/bin", import.meta.url));
const REPOSITORY = fileURLToPath(new URL("..", import.meta.url));
const PARENT = fileURLToPath(new URL("./fixtures/process-runner-parent.ts", import.meta.url));

describe("runProcess", () => {
  test("reports the exit code and keeps stdout and stderr apart as well as interleaved", async () => {
    const result = await runProcess({ argv: ["sh", "-c", "echo out; echo err >&2; exit 7"] });
    assert.equal(result.exitCode, 7);
    assert.equal(result.signal, null);
    assert.equal(result.aborted, false);
    assert.equal(result.spawnError, null);
    assert.equal(result.stdoutTail, "out\n");
    assert.equal(result.stderrTail, "err\n");
    assert.match(result.outputTail, /^(out\nerr\n|err\nout\n)$/);
    assert.equal(describeExit(result), "exited with code 7");
  });

  test("passes every argument verbatim, without a shell", async () => {
    const hostile = ["a b", "; rm -rf /", "$(id)", "`id`", "'\"", "", "*", "~"];
    const result = await runProcess({
      argv: [NODE, "-e", "process.stdout.write(JSON.stringify(process.argv.slice(1)))", ...hostile],
    });
    assert.equal(result.exitCode, 0);
    assert.deepEqual(JSON.parse(result.stdoutTail), hostile);
  });

  test("keeps only the last lines of a long output", async () => {
    const result = await runProcess({
      argv: [NODE, "-e", "for (let i = 0; i < 10000; i++) console.log('line ' + i)"],
      maxTailLines: 200,
    });
    const lines = result.outputTail.trimEnd().split("\n");
    assert.equal(lines.length, 200);
    assert.equal(lines[0], "line 9800");
    assert.equal(lines[199], "line 9999");
  });

  test("keeps only the last bytes of output without newlines", async () => {
    const result = await runProcess({
      argv: [NODE, "-e", "process.stdout.write('x'.repeat(1024 * 1024) + 'END')"],
      maxTailBytes: 64 * 1024,
    });
    assert.equal(result.outputTail.length, 64 * 1024);
    assert.ok(result.outputTail.endsWith("xEND"));
  });

  test("uses exactly the given environment plus additions", async () => {
    const result = await runProcess({
      argv: [NODE, "-e", "process.stdout.write(JSON.stringify({ home: process.env.HOME ?? null, base: process.env.BASE_VAR, gpu: process.env.CUDA_VISIBLE_DEVICES }))"],
      env: { PATH: process.env.PATH ?? "", BASE_VAR: "from-env" },
      extraEnv: { CUDA_VISIBLE_DEVICES: "1,3" },
    });
    assert.deepEqual(JSON.parse(result.stdoutTail), { home: null, base: "from-env", gpu: "1,3" });
  });

  test("looks the program up on the PATH of the given environment, not the worker's", async () => {
    const env = environmentWith({ PATH: `${FIXTURE_BIN}${delimiter}${process.env.PATH ?? ""}` });
    const found = await runProcess({ argv: ["print-argv", "x"], env });
    assert.equal(found.stdoutTail, '["x"]\n');
    const notFound = await runProcess({ argv: ["print-argv", "x"], env: { PATH: "/nonexistent" } });
    assert.match(notFound.spawnError ?? "", /ENOENT/);
  });

  test("a program that does not exist is a result, not an exception", async () => {
    let spawned = false;
    const result = await runProcess({ argv: ["whatsnext-no-such-program"], onSpawn: () => (spawned = true) });
    assert.equal(result.exitCode, null);
    assert.match(result.spawnError ?? "", /ENOENT/);
    assert.equal(spawned, false);
    assert.match(describeExit(result), /^could not start: /);
  });

  test("a program that cannot start is named in the error, whatever stopped it", async () => {
    const folder = mkdtempSync(join(tmpdir(), "wn-runner-"));
    writeFileSync(join(folder, "not-executable"), "#!/bin/sh\n", { mode: 0o644 });
    const [notExecutable, onPath, missingFolder, folderAsProgram] = await Promise.all([
      runProcess({ argv: [join(folder, "not-executable")] }),
      runProcess({ argv: ["not-executable"], env: { PATH: folder } }),
      runProcess({ argv: ["sleep", "0"], cwd: join(folder, "missing") }),
      runProcess({ argv: [folder] }),
    ]);
    assert.equal(notExecutable.spawnError, `spawn ${join(folder, "not-executable")} EACCES`);
    assert.equal(onPath.spawnError, "spawn not-executable EACCES");
    assert.equal(missingFolder.spawnError, "spawn sleep ENOENT");
    assert.equal(folderAsProgram.spawnError, `spawn ${folder} EACCES`);
    for (const result of [notExecutable, onPath, missingFolder, folderAsProgram]) assert.equal(result.exitCode, null);
  });

  test("abort sends SIGTERM and reports the run as aborted", async () => {
    const controller = new AbortController();
    const result = await runProcess({
      argv: ["sleep", "30"],
      signal: controller.signal,
      onSpawn: () => controller.abort(),
    });
    assert.equal(result.aborted, true);
    assert.equal(result.signal, "SIGTERM");
    assert.equal(result.exitCode, null);
  });

  test("abort escalates to SIGKILL when the process ignores SIGTERM", async () => {
    const controller = new AbortController();
    const result = await runProcess({
      argv: ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"],
      signal: controller.signal,
      killGraceMs: 100,
      onOutput: (chunk) => {
        if (chunk.toString().includes("ready")) controller.abort();
      },
    });
    assert.equal(result.aborted, true);
    assert.equal(result.signal, "SIGKILL");
  });

  test("abort reaches the children of the process too", { timeout: 20_000 }, async () => {
    // The grandchild holds stdout open; were it not killed, the run would
    // wait out the 60 s close grace and hit this test's timeout.
    const controller = new AbortController();
    const result = await runProcess({
      argv: ["sh", "-c", "sleep 30 & echo started; wait"],
      signal: controller.signal,
      closeGraceMs: 60_000,
      onOutput: (chunk) => {
        if (chunk.toString().includes("started")) controller.abort();
      },
    });
    assert.equal(result.aborted, true);
  });

  test("an already aborted signal starts nothing", async () => {
    let spawned = false;
    const result = await runProcess({ argv: ["sleep", "30"], signal: AbortSignal.abort(), onSpawn: () => (spawned = true) });
    assert.equal(spawned, false);
    assert.equal(result.aborted, true);
    assert.equal(result.exitCode, null);
  });

  test("does not wait forever for a background child that keeps the pipes open, and leaves it running", { timeout: 20_000 }, async () => {
    let pid = 0;
    const result = await runProcess({ argv: ["sh", "-c", "sleep 30 & echo $!; exit 0"], closeGraceMs: 100, onSpawn: (p) => (pid = p) });
    assert.equal(result.exitCode, 0);
    const orphan = Number(result.stdoutTail.trim());
    assert.ok(orphan > 0);
    try {
      if (process.platform !== "win32") {
        // The lifeline's watcher leaves without killing anything when the job's process ended by itself.
        await until("the lifeline's watcher to leave", () => lifelineWatchers(pid).length === 0, 10_000);
      }
      assert.ok(isAlive(orphan), "what a job leaves behind runs on");
    } finally {
      if (isAlive(orphan)) process.kill(orphan, "SIGKILL");
    }
  });
});

/**
 * Starts test/fixtures/process-runner-parent.ts, a stand-in worker running
 * the commands through runProcess: `line` waits for a line of its output,
 * `cleanUp` ends whatever is left of it and of its jobs (their groups and
 * lifeline watchers), so that a failing test leaves nothing behind.
 */
function startParent(killGraceMs: number, commands: string[][]) {
  const parent = spawn(NODE, ["--import", "tsx", PARENT, String(killGraceMs), JSON.stringify(commands)], {
    cwd: REPOSITORY,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  parent.stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
  const ended = new Promise<void>((resolve) => parent.once("exit", () => resolve()));
  return {
    parent,
    ended,
    /** The first match of `pattern` in the output so far or to come. */
    async line(pattern: RegExp): Promise<RegExpMatchArray> {
      await until(`the parent to print ${pattern}`, () => pattern.test(output) || parent.exitCode !== null || parent.signalCode !== null, 30_000, () => `output so far:\n${output}`);
      const match = output.match(pattern);
      if (!match) throw new Error(`the parent ended before printing ${pattern}; its output:\n${output}`);
      return match;
    },
    async cleanUp(): Promise<void> {
      parent.kill("SIGKILL");
      for (const [, pid] of output.matchAll(/^spawned \d+ (\d+)$/gm)) {
        killGroup(Number(pid));
        for (const watcher of lifelineWatchers(Number(pid))) process.kill(watcher, "SIGKILL");
      }
      await ended;
    },
  };
}

/** Waits until none of the pids runs, nothing is left of the groups and their lifeline watchers have left. */
async function expectGone(pids: number[], groups: number[], timeoutMs: number): Promise<void> {
  await until(`processes ${pids.join(", ")} to end`, () => !pids.some(isAlive), timeoutMs, () => `still running: ${pids.filter(isAlive).join(", ")}`);
  await until(`process groups ${groups.join(", ")} to be empty`, () => groups.every((g) => livingGroupMembers(g).length === 0), timeoutMs, () => `left: ${groups.flatMap(livingGroupMembers).join(", ")}`);
  await until("their lifeline watchers to leave", () => groups.every((g) => lifelineWatchers(g).length === 0), timeoutMs, () => `left: ${groups.flatMap(lifelineWatchers).join(", ")}`);
}

describe("runProcess when its parent is SIGKILLed", { skip: process.platform === "win32" ? "process groups are POSIX" : false }, () => {
  test("ends each job, its children in the group too, within seconds", { timeout: 60_000 }, async () => {
    const stand = startParent(1_000, [
      ["sh", "-c", 'sleep 300 & echo "grandchild $!"; wait'],
      ["sleep", "300"],
    ]);
    try {
      const [job, grandchild, second] = await Promise.all([stand.line(/^spawned 0 (\d+)$/m), stand.line(/^grandchild (\d+)$/m), stand.line(/^spawned 1 (\d+)$/m)]);
      const pids = [job, grandchild, second].map((match) => Number(match[1]));
      assert.ok(pids.every(isAlive), "every process runs before the parent is killed");
      stand.parent.kill("SIGKILL");
      await stand.ended;
      // Each job is its own process group, led by the job's process.
      await expectGone(pids, [pids[0]!, pids[2]!], 15_000);
    } finally {
      await stand.cleanUp();
    }
  });

  test("SIGKILLs the processes that ignore SIGTERM after the kill grace", { timeout: 60_000 }, async () => {
    const stand = startParent(1_000, [["sh", "-c", 'trap "" TERM; sleep 300 & echo "grandchild $!"; wait']]);
    try {
      const [job, grandchild] = await Promise.all([stand.line(/^spawned 0 (\d+)$/m), stand.line(/^grandchild (\d+)$/m)]);
      const pids = [job, grandchild].map((match) => Number(match[1]));
      stand.parent.kill("SIGKILL");
      await stand.ended;
      await expectGone(pids, [pids[0]!], 15_000);
    } finally {
      await stand.cleanUp();
    }
  });
});

describe("OutputTail", () => {
  test("drops the oldest bytes first", () => {
    const tail = new OutputTail(5);
    tail.push(Buffer.from("abc"));
    tail.push(Buffer.from("defg"));
    assert.equal(tail.text(), "cdefg");
    tail.push(Buffer.from("0123456789"));
    assert.equal(tail.text(), "56789");
  });

  test("drops a UTF-8 character cut in half at the start", () => {
    const tail = new OutputTail(4);
    tail.push(Buffer.from("é€")); // c3 a9 | e2 82 ac: the cut leaves a9 first
    assert.equal(tail.text(), "€");
    assert.equal(decodeTail(Buffer.from([0x82, 0xac, 0x41])), "A");
  });
});

describe("tailLines", () => {
  test("counts a final newline as ending a line, not starting one", () => {
    assert.equal(tailLines("a\nb\nc\n", 2), "b\nc\n");
    assert.equal(tailLines("a\nb\nc", 2), "b\nc");
    assert.equal(tailLines("a\nb\n", 5), "a\nb\n");
    assert.equal(tailLines("a\nb\n", 0), "");
  });
});
