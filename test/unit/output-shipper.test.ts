import assert from "node:assert/strict";
import { it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { OutputStream } from "../../gen/whatsnext/v1/job_pb.js";
import { OutputShipper, type OutputSend } from "../../src/worker/output-shipper.js";

// The worker's output shipper without a server: what it sends while the server is away and once it is back.

const lines = Array.from({ length: 100 }, (_, i) => `line ${String(i).padStart(4, "0")} ${"x".repeat(40)}\n`);

it("while the server is away, keeps the latest whole lines within its buffer and announces every byte it dropped", async () => {
  let away = true;
  const sent: OutputSend[] = [];
  const shipper = new OutputShipper({
    bufferBytes: 1024,
    flushMs: 5,
    send: async (batch) => {
      if (away) throw new ConnectError("the server is away", Code.Unavailable);
      sent.push(batch);
    },
  });
  // Chunks that cut lines in the middle, as pipes may.
  const all = Buffer.from(lines.join(""));
  for (let at = 0; at < all.length; at += 37) shipper.push(all.subarray(at, at + 37), "stdout");
  away = false;
  assert.equal(await shipper.close(10_000), true);

  const pieces = sent.flatMap((s) => s.chunks);
  const notices = pieces.filter((c) => c.stream === OutputStream.NOTICE);
  const text = pieces.filter((c) => c.stream === OutputStream.STDOUT).map((c) => c.text).join("");
  assert.equal(notices.length, 1);
  const dropped = Number(/(\d+) bytes of output dropped/.exec(notices[0]!.text)?.[1]);
  // What was sent before the outage was noticed, then (after the notice) the latest whole lines.
  const sentLines = text.split(/(?<=\n)/);
  for (const line of sentLines) assert.ok(lines.includes(line), `a whole line: ${JSON.stringify(line)}`);
  const missing = lines.filter((l) => !sentLines.includes(l));
  assert.equal(dropped, missing.join("").length, "the notice counts exactly the bytes of the missing lines");
  assert.equal(sentLines.at(-1), lines.at(-1), "the latest line is there");
  assert.ok(Buffer.byteLength(text) <= 1024 + 64, "no more than the buffer was held");
  assert.deepEqual(sent.map((s) => s.seq), [...sent.map((s) => s.seq)].sort((a, b) => (a < b ? -1 : 1)), "sends in order");
});

it("sends in pieces of at most 64 KiB, and stops for good when the attempt is not its worker's any more", async () => {
  const sent: OutputSend[] = [];
  let refuse = false;
  const shipper = new OutputShipper({
    flushMs: 5,
    send: async (batch) => {
      if (refuse) throw new ConnectError("attempt 1 of job 1 has ended", Code.FailedPrecondition);
      sent.push(batch);
    },
  });
  shipper.push(Buffer.alloc(200 * 1024, "a"), "stdout");
  shipper.push(Buffer.from("é".repeat(10)), "stderr");
  assert.equal(await shipper.close(10_000), true);
  for (const s of sent) assert.ok(s.chunks.reduce((n, c) => n + Buffer.byteLength(c.text), 0) <= 64 * 1024);
  assert.equal(sent.flatMap((s) => s.chunks).filter((c) => c.stream === OutputStream.STDOUT).map((c) => c.text).join("").length, 200 * 1024);

  const problems: string[] = [];
  const refused = new OutputShipper({ flushMs: 5, onProblem: (m) => problems.push(m), send: async () => { refuse = true; throw new ConnectError("attempt 1 of job 1 has ended", Code.FailedPrecondition); } });
  refused.push(Buffer.from("late\n"), "stdout");
  await refused.close(1000);
  assert.match(problems.join("\n"), /stopped sending the job's output: FailedPrecondition/);
});
