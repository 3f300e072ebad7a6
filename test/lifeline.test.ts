/**
 * The lifeline on its own: the script under /bin/sh and under bash started
 * as `sh` (what /bin/sh is on macOS), with this test process as the worker.
 * Closing the worker's end of the socket is what the kernel does when the
 * worker dies, SIGKILL included; test/process-runner.test.ts kills a real
 * parent, test/worker.test.ts the real `whatsnext worker`. And findProgram,
 * which must find a program where execvp would.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { describe, test } from "node:test";
import { findProgram, LIFELINE_FD, LIFELINE_RELEASE, LIFELINE_SHELL, lifelineCommand } from "../src/worker/lifeline.js";
import { tempFolder } from "./support/run-cli.js";
import { isAlive, killGroup, livingGroupMembers, until } from "./support/process-table.js";

const posix = process.platform !== "win32";

/** Bash behaves as a POSIX sh when started under that name, as macOS's /bin/sh does. */
function bashAsSh(): string | undefined {
  const bash = spawnSync("sh", ["-c", "command -v bash"], { encoding: "utf8" }).stdout.trim();
  if (!bash) return undefined;
  const link = join(tempFolder("wn-bash-sh-"), "sh");
  symlinkSync(bash, link);
  return link;
}

const shells: Array<[string, string | undefined]> = posix ? [["/bin/sh", LIFELINE_SHELL], ["bash as sh (macOS's /bin/sh)", bashAsSh()]] : [];

/**
 * Starts `sh -c script` on a lifeline with this process as the worker; the
 * script prints pids, one `name pid` line each, which `pid` waits for.
 */
function startOnLifeline(shell: string, script: string, killGraceMs: number) {
  const start = lifelineCommand("sh", ["-c", script], process.env.PATH, process.cwd(), killGraceMs, shell);
  assert.ok("file" in start, "sh is found");
  const child = spawn(start.file, start.args, { stdio: ["ignore", "pipe", "inherit", "pipe"], detached: true });
  const lifeline = child.stdio[LIFELINE_FD] as Writable;
  lifeline.on("error", () => {});
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (output += text));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    lifeline,
    exited,
    async pid(name: string): Promise<number> {
      const pattern = new RegExp(`^${name} (\\d+)$`, "m");
      await until(`the job to print its ${name}'s pid`, () => pattern.test(output), 30_000, () => `output: ${output}`);
      return Number(output.match(pattern)![1]);
    },
  };
}

describe("the lifeline script", { skip: posix ? false : "process groups are POSIX" }, () => {
  for (const [name, shell] of shells) {
    const skip = shell === undefined ? (process.env.CI === "true" ? false : "needs bash") : false;

    test(`under ${name}: when the worker's end closes, the job's group gets SIGTERM, then SIGKILL after the grace`, { skip, timeout: 60_000 }, async () => {
      // The job ignores SIGTERM (and so does its child, which inherits that): only the SIGKILL ends them.
      const job = startOnLifeline(shell!, `trap "" TERM; echo "job $$"; sleep 300 & echo "child $!"; wait`, 1_000);
      const [pid, child] = [await job.pid("job"), await job.pid("child")];
      try {
        assert.equal(job.child.pid, pid, "the job's process is the shell that was started (exec)");
        job.lifeline.destroy();
        await until("the job's processes to end", () => !isAlive(pid) && !isAlive(child), 15_000);
        await until("the job's process group to be empty", () => livingGroupMembers(pid).length === 0, 15_000, () => `left: ${livingGroupMembers(pid).join(", ")}`);
      } finally {
        killGroup(pid);
      }
    });

    test(`under ${name}: the watcher outlives a job that signals its own group at once, and "done" leaves what the job left behind alone`, { skip, timeout: 60_000 }, async () => {
      // kill 0 reaches every member of the group, the watcher too; and the job's child outlives the job.
      const job = startOnLifeline(shell!, `trap "" TERM USR1 HUP; kill 0; kill -s USR1 0; kill -s HUP 0; sleep 300 & echo "child $!"; echo "job $$"; exit 3`, 1_000);
      const [pid, child] = [await job.pid("job"), await job.pid("child")];
      try {
        await job.exited;
        assert.equal(job.child.exitCode, 3);
        // The watcher is the group's only other member, and it is still there to be released.
        await until("the job's process to end", () => !isAlive(pid), 15_000);
        const watchers = livingGroupMembers(pid).filter((member) => member !== child);
        assert.equal(watchers.length, 1, `one watcher left in the group: ${livingGroupMembers(pid).join(", ")}`);
        job.lifeline.end(LIFELINE_RELEASE);
        await until("the watcher to leave", () => !isAlive(watchers[0]!), 15_000);
        assert.ok(isAlive(child), "the child the job left behind runs on, as it did before lifelines");
      } finally {
        killGroup(pid);
      }
    });
  }
});

describe("findProgram", { skip: posix ? false : "execvp's search is POSIX" }, () => {
  const root = tempFolder("wn-find-");
  const executable = (path: string) => {
    writeFileSync(path, "#!/bin/sh\necho found\n", { mode: 0o755 });
    chmodSync(path, 0o755);
  };
  for (const folder of ["a", "b", "c/tool", "d"]) mkdirSync(join(root, folder), { recursive: true });
  writeFileSync(join(root, "a", "tool"), "not executable\n", { mode: 0o644 });
  executable(join(root, "b", "tool"));
  executable(join(root, "d", "local"));

  test("takes the first executable file on the PATH, skipping files it may not run and folders", () => {
    assert.deepEqual(findProgram("tool", `${root}/a:${root}/c:${root}/b`, "/"), { path: `${root}/b/tool` });
  });

  test("answers EACCES when only something it may not run is there, else ENOENT", () => {
    assert.deepEqual(findProgram("tool", `${root}/a:${root}/c`, "/"), { errorCode: "EACCES" });
    assert.deepEqual(findProgram("tool", `${root}/d:/nonexistent`, "/"), { errorCode: "ENOENT" });
    assert.deepEqual(findProgram(`${root}/a/tool`, undefined, "/"), { errorCode: "EACCES" });
    assert.deepEqual(findProgram("a/nothing", undefined, root), { errorCode: "ENOENT" });
  });

  test("reads empty and relative PATH folders, and paths with a slash, from the working folder", () => {
    assert.deepEqual(findProgram("local", ":/nonexistent", join(root, "d")), { path: `${join(root, "d")}/./local` });
    assert.deepEqual(findProgram("local", "d", root), { path: `${root}/d/local` });
    assert.deepEqual(findProgram("d/local", "/nonexistent", root), { path: `${root}/d/local` });
    assert.deepEqual(findProgram("./d/local", "/nonexistent", root), { path: `${root}/./d/local` });
  });

  test("searches the system's default folders without a PATH", () => {
    const found = findProgram("sh", undefined, "/");
    assert.ok("path" in found && /^\/(usr\/)?bin\/sh$/.test(found.path), JSON.stringify(found));
  });
});
