import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, describe, it } from "node:test";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { DataDirLockedError } from "../src/db/data-dir-lock.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/**
 * Two servers on one embedded database folder would hand out the same ids and
 * lose confirmed writes: the second must refuse to start, and a lock left by a
 * dead process must not block the next start.
 */
const BIN = fileURLToPath(new URL("../bin/whatsnext.js", import.meta.url));
const folders: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "wn-lock-"));
  folders.push(dir);
  return dir;
};
after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** The embedded database on a folder of its own (DATABASE_URL empty, whatever the suite runs on). */
const onFolder = (dir: string) => startTestServer({ DATABASE_URL: "", WHATSNEXT_DATA_DIR: dir });

describe("the embedded database folder", () => {
  it("refuses a second server on the same folder with a message naming the first, and serves again once it stopped", { timeout: 120_000 }, async () => {
    const dir = freshDir();
    const first = await onFolder(dir);
    let second: TestServer | undefined;
    try {
      await first.client(ProjectService, "connect").createProject({ name: "kept" });
      await assert.rejects(onFolder(dir), (err: unknown) => {
        assert.ok(err instanceof DataDirLockedError, String(err));
        assert.match(err.message, new RegExp(`another WhatsNext server \\(process ${process.pid}, since .*\\) is using the embedded database in ${dir}`));
        assert.match(err.message, /WHATSNEXT_DATA_DIR/);
        return true;
      });
      // The refused start touched nothing: the first server still serves its data.
      const listed = await first.client(ProjectService, "connect").listProjects({});
      assert.deepEqual(listed.projects.map((p) => p.name), ["kept"]);
    } finally {
      await first.close();
    }
    try {
      second = await onFolder(dir);
      const listed = await second.client(ProjectService, "grpc-js").listProjects({});
      assert.deepEqual(listed.projects.map((p) => p.name), ["kept"], "the write confirmed to the first server is there");
    } finally {
      await second?.close();
    }
  });

  it("takes over a lock whose process is gone", { timeout: 120_000 }, async () => {
    const dir = freshDir();
    const dead = spawn(process.execPath, ["-e", ""]);
    const pid = dead.pid!;
    await new Promise((resolve) => dead.once("exit", resolve));
    writeFileSync(join(dir, "whatsnext.lock"), JSON.stringify({ pid, host: hostname(), since: "2026-01-01T00:00:00.000Z" }));
    const t = await onFolder(dir);
    try {
      await t.client(ProjectService, "connect").createProject({ name: "after-a-crash" });
    } finally {
      await t.close();
    }
  });

  it("makes a second `whatsnext serve` exit 1 with one line while the first runs", { timeout: 180_000 }, async () => {
    const dir = freshDir();
    const env = { ...process.env, DATABASE_URL: "", WHATSNEXT_DATA_DIR: dir, WHATSNEXT_PORT: "0", LOG_LEVEL: "info" };
    const first = spawn(process.execPath, [BIN, "serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
    try {
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: first.stdout }).on("line", (line) => {
          if (line.includes('"whatsnext serving"')) resolve();
        });
        first.once("exit", (code) => reject(new Error(`the first server exited with ${code}`)));
      });
      const second = spawn(process.execPath, [BIN, "serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      second.stderr.on("data", (d) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => second.once("exit", resolve));
      assert.equal(code, 1);
      const lines = stderr.trim().split("\n");
      assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
      assert.match(lines[0]!, new RegExp(`could not start: another WhatsNext server \\(process ${first.pid}, since .*\\) is using the embedded database in ${dir}`));
    } finally {
      first.kill("SIGKILL");
      await new Promise((resolve) => (first.exitCode !== null ? resolve(undefined) : first.once("exit", resolve)));
    }
  });
});
