import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { JobEventType } from "../gen/whatsnext/v1/job_pb.js";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { eventually, queueFixture } from "./support/queue-fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let t: TestServer;
before(async () => {
  t = await startTestServer({
    WHATSNEXT_LEASE_SECONDS: "1",
    WHATSNEXT_REAPER_INTERVAL_MS: "50",
    WHATSNEXT_RETRY_BACKOFF_SECONDS: "0.5",
    WHATSNEXT_WORKER_TIMEOUT_SECONDS: "1",
    WHATSNEXT_MAX_LOST_LEASES: "1",
  });
});
after(async () => {
  await t?.close();
});

describe("leases and the reaper", () => {
  it("re-delivers a silent worker's job to another worker after its lease expires", async () => {
    const f = await queueFixture(t, "connect", "redeliver");
    const watch = AbortSignal.timeout(30_000);
    const events = f.jobs.watchJobs({ projectId: f.project.id }, { signal: watch })[Symbol.asyncIterator]();
    const firstEvent = events.next();
    // The watch is live once it reports the creation of a job made after it started.
    let jobId = 0n;
    for (;;) {
      jobId = await f.createJob({ maxAttempts: 3 });
      const e = await Promise.race([firstEvent, new Promise<undefined>((r) => setTimeout(r, 200))]);
      if (e) break;
    }
    const dead = await f.registerWorker();
    const alive = await f.registerWorker();
    const project = { case: "projectId" as const, value: f.project.id };
    const first = await f.workers.fetchJob({ workerId: dead, project });
    assert.equal(first.jobs[0]?.id, jobId);
    await f.workers.startJob({ jobId, workerId: dead });
    // The dead worker never heartbeats again; the reaper must return the job, then the backoff must end.
    const second = await f.workers.fetchJob({ workerId: alive, project, waitSeconds: 20 });
    assert.equal(second.jobs[0]?.id, jobId);
    assert.equal(second.jobs[0]!.attempts, 1, "losing the worker gave the attempt back");
    assert.equal(second.jobs[0]!.lostLeases, 1);
    assert.equal(second.jobs[0]!.runs, 2);
    assert.equal(second.jobs[0]!.workerId, alive);
    await rejectsWith(f.workers.finishJob({ jobId, workerId: dead, success: true }), Code.FailedPrecondition, /does not hold the lease/);
    // The watch heard four updates of the job: claimed, started, reaped, claimed again.
    // (It reads each job when it sends the event, so a status may already be the next one.)
    let updates = 0;
    while (updates < 4) {
      const e = await events.next();
      assert.equal(e.done, false, `the watch ended after ${updates} updates`);
      if (e.value.type === JobEventType.UPDATED && e.value.job?.id === jobId) updates++;
    }
    await events.return?.();
  });

  it("keeps leases alive while the worker heartbeats", async () => {
    const f = await queueFixture(t, "connect", "heartbeat");
    const jobId = await f.createJob();
    const w = await f.registerWorker();
    await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id } });
    let lastExpiry = 0;
    // Three lease lengths of heartbeats: without them the job would have been reaped.
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      const hb = await f.workers.heartbeat({ workerId: w });
      const expiry = timestampDate(hb.leaseExpireTime!).getTime();
      assert.ok(expiry >= lastExpiry);
      lastExpiry = expiry;
      await new Promise((r) => setTimeout(r, 250));
    }
    const job = (await f.jobs.getJob({ id: jobId })).job!;
    assert.equal(job.status, JobStatus.QUEUED);
    assert.equal(job.workerId, w);
    assert.equal((await f.workers.getWorker({ workerId: w })).worker!.active, true);
    const done = await f.workers.finishJob({ jobId, workerId: w, success: true });
    assert.equal(done.job!.status, JobStatus.COMPLETED);
  });

  it("returns a job whose worker was lost without spending its only attempt, and fails it past the limit of lost leases", async () => {
    const f = await queueFixture(t, "connect", "exhaust");
    const jobId = await f.createJob({ maxAttempts: 1 });
    const dependent = await f.createJob({ dependsOn: [jobId] });
    const w = await f.registerWorker();
    const project = { case: "projectId" as const, value: f.project.id };
    await f.workers.fetchJob({ workerId: w, project });
    // The worker dies: its lease expires, and the job comes back with its one attempt unspent.
    const back = await f.workers.fetchJob({ workerId: w, project, waitSeconds: 20 });
    assert.equal(back.jobs[0]?.id, jobId);
    assert.equal(back.jobs[0]!.attempts, 1);
    assert.equal(back.jobs[0]!.lostLeases, 1);
    // Lost once more: past WHATSNEXT_MAX_LOST_LEASES (1 here), so it fails and blocks its dependents.
    const failed = await eventually("the job to fail", async () => {
      const job = (await f.jobs.getJob({ id: jobId })).job!;
      return job.status === JobStatus.FAILED ? job : undefined;
    });
    assert.match(failed.message, /lease expired: worker .* stopped reporting, and 2 leases were lost under this job \(WHATSNEXT_MAX_LOST_LEASES is 1\): failed/);
    assert.equal(failed.attempts, 1);
    assert.equal(failed.lostLeases, 2);
    assert.equal((await f.jobs.getJob({ id: dependent })).job!.status, JobStatus.BLOCKED);
  });

  it("retries a failed job after its backoff until the attempts run out", async () => {
    const f = await queueFixture(t, "connect", "backoff");
    const jobId = await f.createJob({ maxAttempts: 2 });
    const w = await f.registerWorker();
    const project = { case: "projectId" as const, value: f.project.id };
    await f.workers.fetchJob({ workerId: w, project });
    const retried = (await f.workers.finishJob({ jobId, workerId: w, success: false, exitCode: 1, message: "flaky" })).job!;
    assert.equal(retried.status, JobStatus.PENDING);
    assert.equal(retried.attempts, 1);
    assert.equal(retried.workerId, "");
    assert.ok(retried.notBeforeTime, "a retry waits for its backoff");
    const notBefore = timestampDate(retried.notBeforeTime);
    assert.ok(notBefore.getTime() > timestampDate(retried.updateTime!).getTime());
    assert.deepEqual((await f.workers.fetchJob({ workerId: w, project })).jobs, [], "not claimable during the backoff");
    const again = await f.workers.fetchJob({ workerId: w, project, waitSeconds: 20 });
    assert.equal(again.jobs[0]?.id, jobId);
    assert.equal(again.jobs[0]!.attempts, 2);
    assert.ok(timestampDate(again.jobs[0]!.updateTime!).getTime() >= notBefore.getTime(), "claimed only after not_before");
    const final = (await f.workers.finishJob({ jobId, workerId: w, success: false, exitCode: 2 })).job!;
    assert.equal(final.status, JobStatus.FAILED);
    assert.equal(final.exitCode, 2);
  });

  it("marks a silent worker inactive, and a fetch brings it back (unlike a deactivated one)", async () => {
    const f = await queueFixture(t, "connect", "silent");
    const w = await f.registerWorker();
    await eventually("the worker to become inactive", async () => ((await f.workers.getWorker({ workerId: w })).worker!.active ? undefined : true));
    const listed = await f.workers.listWorkers({ pageSize: 1000 });
    assert.ok(!listed.workers.some((x) => x.id === w));
    await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id } });
    assert.equal((await f.workers.getWorker({ workerId: w })).worker!.active, true);
  });
});
