import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LimitExceededError } from "../src/domain/errors.js";
import { LocalBus } from "../src/queue/events/local-bus.js";
import { decodePayload, encodeOutputPayloads, encodePayloads } from "../src/queue/events/notify-payload.js";
import type { JobChange } from "../src/queue/events/queue-events.js";
import { WATCH_BUFFER_LIMIT } from "../src/queue/events/watch-buffer.js";

describe("job notifications", () => {
  it("splits a large batch into NOTIFY payloads under 8000 bytes and decodes them back", () => {
    const changes: JobChange[] = [];
    for (let i = 0; i < 10_000; i++) changes.push({ projectId: 1 + (i % 3), jobId: 1_000_000_000 + i, type: i % 5 === 0 ? "created" : "updated", status: i % 2 ? "pending" : "queued" });
    changes.push({ projectId: 7, jobId: 42, type: "deleted" });
    changes.push({ projectId: 7, jobId: 43, type: "updated", status: "pending", notBefore: new Date(1_900_000_000_000) });
    const payloads = encodePayloads("replica1", changes);
    assert.ok(payloads.length > 1);
    for (const p of payloads) assert.ok(Buffer.byteLength(p) < 8000, `payload of ${Buffer.byteLength(p)} bytes`);
    const decoded = payloads.flatMap((p) => decodePayload(p).changes);
    const key = (c: JobChange) => `${c.projectId}/${c.jobId}/${c.type}/${c.status ?? ""}/${c.notBefore?.getTime() ?? ""}`;
    assert.deepEqual(decoded.map(key).sort(), changes.map(key).sort());
    assert.equal(decodePayload(payloads[0]!).replica, "replica1");
  });

  it("tells jobs with new output in payloads under 8000 bytes, apart from job changes", () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => 1_000_000_000 + i);
    const payloads = encodeOutputPayloads("replica1", ids);
    assert.ok(payloads.length > 1);
    for (const p of payloads) assert.ok(Buffer.byteLength(p) < 8000, `payload of ${Buffer.byteLength(p)} bytes`);
    const decoded = payloads.map((p) => decodePayload(p));
    assert.deepEqual(decoded.flatMap((d) => d.output), ids);
    assert.deepEqual(decoded.flatMap((d) => d.changes), []);
    assert.deepEqual(decodePayload(encodePayloads("replica1", [{ projectId: 1, jobId: 2, type: "created", status: "pending" }])[0]!).output, []);
  });

  it("pokes a job's output followers on its changes and its new output, latched between waits", async () => {
    const bus = new LocalBus();
    const abort = new AbortController();
    const wake = bus.wakeOnJob(7, abort.signal);
    bus.pokeJobs([8]);
    let woke = false;
    const waiting = wake.wait().then(() => (woke = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woke, false, "another job's output does not wake it");
    bus.dispatch([{ projectId: 1, jobId: 7, type: "updated", status: "running" }]);
    await waiting;
    bus.pokeJobs([7]);
    bus.pokeJobs([7]);
    await wake.wait(); // latched: came while nobody waited
    abort.abort();
    await wake.wait(); // ended: returns at once
    assert.equal(wake.isEnded, true);
  });

  it("buffers a watch from the moment it is made, and drops a consumer that falls too far behind", async () => {
    const bus = new LocalBus();
    const stop = new AbortController();
    const watch = bus.watch(5, stop.signal);
    bus.dispatch([{ projectId: 5, jobId: 1, type: "created", status: "pending" }, { projectId: 6, jobId: 2, type: "created", status: "pending" }]);
    const it = watch[Symbol.asyncIterator]();
    assert.deepEqual((await it.next()).value, { projectId: 5, jobId: 1, type: "created", status: "pending" });
    for (let i = 0; i <= WATCH_BUFFER_LIMIT; i++) bus.dispatch([{ projectId: 5, jobId: 10 + i, type: "updated", status: "queued" }]);
    let read = 0;
    await assert.rejects(async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        read++;
      }
    }, LimitExceededError);
    assert.equal(read, WATCH_BUFFER_LIMIT, "what was buffered is still delivered before the error");
    stop.abort();
  });

  it("wakes waiters of the project on new pending work only, and at the end of a retry backoff", async () => {
    const bus = new LocalBus();
    const signal = new AbortController().signal;
    let woken = false;
    const waiting = bus.waitForWork(9, 60_000, signal).then(() => (woken = true));
    bus.dispatch([{ projectId: 8, jobId: 1, type: "created", status: "pending" }, { projectId: 9, jobId: 2, type: "updated", status: "running" }]);
    await new Promise((r) => setImmediate(r));
    assert.equal(woken, false);
    // A backoff ending soon moves the waiter's timer to it.
    bus.dispatch([{ projectId: 9, jobId: 3, type: "updated", status: "pending", notBefore: new Date(Date.now() + 50) }]);
    await waiting;
    assert.equal(woken, true);
    // A waiter that starts after the backoff was announced wakes at its end too.
    bus.dispatch([{ projectId: 9, jobId: 4, type: "updated", status: "pending", notBefore: new Date(Date.now() + 50) }]);
    await bus.waitForWork(9, 60_000, signal);
    const aborted = new AbortController();
    const w = bus.waitForWork(9, 60_000, aborted.signal);
    aborted.abort();
    await w;
  });

  it("wakes one fitting waiter per new job whose needs are known, the longest waiting first, and all for other work", async () => {
    const bus = new LocalBus();
    const stop = new AbortController();
    const woken: string[] = [];
    const wait = (name: string, capacity?: { cpu: number | null; accelerators: number | null }) =>
      void bus.waitForWork(5, 60_000, stop.signal, capacity).then(() => woken.push(name));
    const settle = () => new Promise((r) => setImmediate(r));
    wait("small", { cpu: 1, accelerators: 0 });
    wait("any-1");
    wait("gpu", { cpu: 8, accelerators: 2 });
    wait("any-2");
    // One new job for one CPU: the longest-waiting waiter it fits, no one else.
    bus.dispatch([{ projectId: 5, jobId: 1, type: "created", status: "pending", requires: { cpu: 1, accelerators: 0 } }]);
    await settle();
    assert.deepEqual(woken, ["small"]);
    // Two jobs needing a GPU: the unfiltered waiter, then the GPU worker; a third finds nobody left that fits.
    bus.dispatch([
      { projectId: 5, jobId: 2, type: "created", status: "pending", requires: { cpu: 2, accelerators: 1 } },
      { projectId: 5, jobId: 3, type: "created", status: "pending", requires: { cpu: 16, accelerators: 1 } },
    ]);
    await settle();
    assert.deepEqual(woken, ["small", "any-1", "any-2"], "the 16-CPU job woke the unfiltered waiter, not the 8-CPU one");
    // Work of unknown needs (a released dependent) wakes everyone still waiting.
    wait("late");
    bus.dispatch([{ projectId: 5, jobId: 4, type: "updated", status: "pending" }]);
    await settle();
    assert.deepEqual(woken, ["small", "any-1", "any-2", "gpu", "late"]);
    stop.abort();
  });
});
