import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { queueFixture } from "./support/queue-fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { waitForFetchWaiters } from "./support/fetch-waiters.js";

let t: TestServer;
before(async () => {
  t = await startTestServer({ WHATSNEXT_RETRY_BACKOFF_SECONDS: "0" });
});
after(async () => {
  await t?.close();
});

describe("claiming", () => {
  it("hands out the highest priority first, FIFO within a priority", async () => {
    const f = await queueFixture(t, "connect", "order");
    const low1 = await f.createJob({ priority: -5 });
    const mid1 = await f.createJob({ priority: 0 });
    const high = await f.createJob({ priority: 10 });
    const mid2 = await f.createJob({ priority: 0 });
    const low2 = await f.createJob({ priority: -5 });
    const w = await f.registerWorker();
    const order: bigint[] = [];
    for (;;) {
      const r = await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id } });
      if (r.jobs.length === 0) break;
      order.push(r.jobs[0]!.id);
    }
    assert.deepEqual(order, [high, mid1, mid2, low1, low2]);
    const batch = await queueFixture(t, "connect", "order-batch");
    const ids = [await batch.createJob({ priority: 1 }), await batch.createJob({ priority: 3 }), await batch.createJob({ priority: 2 })];
    const w2 = await batch.registerWorker();
    const r = await batch.workers.fetchJob({ workerId: w2, project: { case: "projectId", value: batch.project.id }, maxJobs: 10 });
    assert.deepEqual(r.jobs.map((j) => j.id), [ids[1], ids[2], ids[0]]);
    assert.equal(r.numPending, 0n);
  });

  it("filters on resources: unset means no filter, 0 means none free", async () => {
    const f = await queueFixture(t, "connect", "resources", { gpu: { cpu: 4, gpu: 2 }, cpu: { cpu: 1 } });
    const gpuJob = await f.createJob({ task: "gpu", priority: 5 });
    const cpuJob = await f.createJob({ task: "cpu" });
    const w = await f.registerWorker();
    const project = { case: "projectId" as const, value: f.project.id };
    assert.deepEqual((await f.workers.fetchJob({ workerId: w, project, availableCpu: 0 })).jobs, [], "0 CPUs free fits no job that needs one");
    const noGpu = await f.workers.fetchJob({ workerId: w, project, availableAccelerators: 0 });
    assert.deepEqual(noGpu.jobs.map((j) => j.id), [cpuJob], "0 accelerators free skips the GPU job, CPUs unfiltered");
    assert.deepEqual((await f.workers.fetchJob({ workerId: w, project, availableCpu: 3, availableAccelerators: 2 })).jobs, [], "3 CPUs are not enough");
    const enough = await f.workers.fetchJob({ workerId: w, project, availableCpu: 4, availableAccelerators: 2 });
    assert.deepEqual(enough.jobs.map((j) => j.id), [gpuJob]);
    const unfiltered = await queueFixture(t, "connect", "resources-unset", { big: { cpu: 1000, gpu: 64 } });
    const big = await unfiltered.createJob();
    const w2 = await unfiltered.registerWorker();
    const r = await unfiltered.workers.fetchJob({ workerId: w2, project: { case: "projectId", value: unfiltered.project.id } });
    assert.deepEqual(r.jobs.map((j) => j.id), [big], "no resources given: no filter");
  });

  it("claims several jobs that fit the free resources together, greedily in claim order", async () => {
    const f = await queueFixture(t, "connect", "fit", { c3: { cpu: 3 }, c2: { cpu: 2, gpu: 1 }, c1: { cpu: 1 }, c0: {} });
    const a = await f.createJob({ task: "c3", priority: 9 }); // taken: 3 of 4 left
    const b = await f.createJob({ task: "c2", priority: 8 }); // skipped: 2 > 1 left
    const c = await f.createJob({ task: "c1", priority: 7 }); // taken: 1 left → 0
    const d = await f.createJob({ task: "c0", priority: 6 }); // taken: needs nothing
    const e = await f.createJob({ task: "c1", priority: 5 }); // skipped: nothing left
    const w = await f.registerWorker();
    const r = await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, availableCpu: 4, maxJobs: 10 });
    assert.deepEqual(r.jobs.map((j) => j.id), [a, c, d]);
    assert.equal(r.numPending, 2n);
    const sum = r.jobs.reduce((s, j) => s + j.requiredCpu, 0);
    assert.ok(sum <= 4, `claimed ${sum} CPUs with 4 free`);
    const limited = await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, availableCpu: 10, availableAccelerators: 1, maxJobs: 1 });
    assert.deepEqual(limited.jobs.map((j) => j.id), [b], "max_jobs bounds the claim");
    const rest = await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 5 });
    assert.deepEqual(rest.jobs.map((j) => j.id), [e]);
  });

  it("claims a dependent only once its dependencies completed, and blocks it when one fails for good", async () => {
    const f = await queueFixture(t, "connect", "deps");
    const first = await f.createJob({ name: "first" });
    const second = await f.createJob({ name: "second", dependsOn: [first] });
    const doomed = await f.createJob({ name: "doomed" });
    const orphan = await f.createJob({ name: "orphan", dependsOn: [doomed] });
    const w = await f.registerWorker();
    const project = { case: "projectId" as const, value: f.project.id };
    const r = await f.workers.fetchJob({ workerId: w, project, maxJobs: 10 });
    assert.deepEqual(r.jobs.map((j) => j.id), [first, doomed]);
    assert.equal(r.numPending, 2n, "waiting dependents are PENDING");
    await f.workers.finishJob({ jobId: doomed, workerId: w, success: false });
    assert.equal((await f.jobs.getJob({ id: orphan })).job!.status, JobStatus.BLOCKED);
    assert.deepEqual((await f.workers.fetchJob({ workerId: w, project })).jobs, []);
    await f.workers.finishJob({ jobId: first, workerId: w, success: true });
    const next = await f.workers.fetchJob({ workerId: w, project });
    assert.deepEqual(next.jobs.map((j) => j.id), [second]);
    assert.deepEqual(next.jobs[0]!.dependsOn, [first]);
  });

  it("wakes a long-polling FetchJob when a job is created", async () => {
    const f = await queueFixture(t, "grpc-js", "longpoll");
    const w = await f.registerWorker();
    const other = await queueFixture(t, "grpc-js", "longpoll-other");
    // Far below the server's 5 s safety recheck: only a wake-up can deliver the job in time.
    const waiting = f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, waitSeconds: 3 });
    await waitForFetchWaiters(t.url);
    await other.createJob(); // another project's job must not be handed out
    const jobId = await f.createJob();
    const r = await waiting;
    assert.deepEqual(r.jobs.map((j) => j.id), [jobId]);
    const empty = await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, waitSeconds: 1 });
    assert.deepEqual(empty.jobs, [], "an empty wait answers with no job at its end");
  });

  it("gives each job to one of many concurrent fetchers", async () => {
    const f = await queueFixture(t, "connect", "race");
    const ids = new Set<bigint>();
    for (let i = 0; i < 60; i++) ids.add(await f.createJob());
    const ws = await Promise.all(Array.from({ length: 12 }, () => f.registerWorker()));
    const got = await Promise.all(ws.map((w) => f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 7 })));
    const all = got.flatMap((r) => r.jobs.map((j) => j.id));
    assert.equal(new Set(all).size, all.length, "no job handed out twice");
    assert.equal(all.length, 60);
    for (const id of all) assert.ok(ids.has(id));
  });
});
