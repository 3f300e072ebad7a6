/**
 * Following a SLURM job's output file (no SLURM needed): new bytes on each
 * poll, and a requeued job's earlier run renamed to output.log.N before
 * output.log is emptied, as its batch script does it.
 */
import assert from "node:assert/strict";
import { appendFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { OutputFollower } from "../src/worker/formatters/slurm/output-follower.js";

describe("the SLURM output follower", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "wn-follow-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** A follower of a fresh output file and everything it passed on. */
  async function follow(name: string) {
    const runDir = join(dir, name);
    await mkdir(runDir);
    const output = join(runDir, "output.log");
    const seen: string[] = [];
    const follower = new OutputFollower(output, (chunk, stream) => seen.push(`${stream}:${chunk.toString()}`));
    return { output, runDir, seen, follower, text: () => seen.map((s) => s.slice("stdout:".length)).join("") };
  }

  /** What the batch script of restart `n` does before its command runs. */
  async function requeue(runDir: string, n: number, content: string): Promise<void> {
    await writeFile(join(runDir, `output.log.${n}`), content);
    await writeFile(join(runDir, "output.log"), "");
  }

  it("passes on only what is new, as stdout, and nothing before the file exists", async () => {
    const f = await follow("plain");
    await f.follower.poll();
    assert.deepEqual(f.seen, []);
    await writeFile(f.output, "one\n");
    await f.follower.poll();
    await appendFile(f.output, "two\n");
    await f.follower.poll();
    await f.follower.poll();
    assert.deepEqual(f.seen, ["stdout:one\n", "stdout:two\n"]);
  });

  it("finishes a requeued run from its numbered file, then reads the new run from the start", async () => {
    const f = await follow("requeued");
    await writeFile(f.output, "run 0 a\n");
    await f.follower.poll();
    await appendFile(f.output, "run 0 b\n");
    await requeue(f.runDir, 1, "run 0 a\nrun 0 b\n");
    await appendFile(f.output, "run 1\n");
    await f.follower.poll();
    assert.equal(f.text(), "run 0 a\nrun 0 b\nrun 1\n");
  });

  it("reads runs it never saw whole when SLURM requeued the job twice between polls", async () => {
    const f = await follow("twice");
    await writeFile(f.output, "r0\n");
    await f.follower.poll();
    await requeue(f.runDir, 1, "r0\nr0 more\n");
    await appendFile(f.output, "r1\n");
    await requeue(f.runDir, 2, "r1\n");
    await appendFile(f.output, "r2\n");
    await f.follower.poll();
    assert.equal(f.text(), "r0\nr0 more\nr1\nr2\n");
  });

  it("reads a file emptied without a numbered file (--open-mode=truncate) from its start", async () => {
    const f = await follow("truncated");
    await writeFile(f.output, "a long first line\n");
    await f.follower.poll();
    await writeFile(f.output, "new\n");
    await f.follower.poll();
    assert.equal(f.text(), "a long first line\nnew\n");
  });

  it("passes on more than one batch written between two polls, all of it in order", async () => {
    const f = await follow("chatty");
    const big = Buffer.alloc(40 << 20, "x");
    big.write("start", 0);
    big.write("end\n", big.length - 4);
    await writeFile(f.output, big);
    const chunks: Buffer[] = [];
    const follower = new OutputFollower(f.output, (chunk) => chunks.push(chunk));
    await follower.poll();
    assert.ok(Buffer.concat(chunks).equals(big));
  });
});
