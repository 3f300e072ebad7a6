import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { WorkerService } from "../gen/whatsnext/v1/worker_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { eventually, queueFixture, uniqueName } from "./support/queue-fixtures.js";
import { startTestServer, type Protocol, type TestServer } from "./support/test-server.js";
import { testSecret } from "./security/security-fixture.js";

/**
 * Reports a worker repeats because their first answer was lost (a replica
 * died, the connection broke) are safe; jobs a worker does not run do not
 * stay leased to it; workers are bound to the principal that registered them;
 * /metrics follows its setting; finished jobs are kept only as long as the
 * retention setting says.
 */

let t: TestServer;
before(async () => {
  t = await startTestServer({ WHATSNEXT_REAPER_INTERVAL_MS: "50", WHATSNEXT_JOB_RETENTION: "1s" });
});
after(async () => {
  await t?.close();
});

for (const protocol of ["grpc-js", "connect"] as Protocol[]) {
  describe(`repeated reports over ${protocol}`, () => {
    it("answers a repeated FinishJob with the stored result when the outcome is the same, and refuses a different one", async () => {
      const f = await queueFixture(t, protocol, "refinish");
      const jobId = await f.createJob();
      const w = await f.registerWorker();
      await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id } });
      await f.workers.startJob({ jobId, workerId: w, command: "run 1" });
      const first = await f.workers.finishJob({ jobId, workerId: w, success: true, exitCode: 0, message: "ok" });
      assert.equal(first.job!.status, JobStatus.COMPLETED);
      // The answer was lost; the worker asks again with the same outcome.
      const again = await f.workers.finishJob({ jobId, workerId: w, success: true, exitCode: 0, message: "ok" });
      assert.equal(again.job!.status, JobStatus.COMPLETED);
      assert.equal(again.job!.exitCode, 0);
      await rejectsWith(f.workers.finishJob({ jobId, workerId: w, success: false, exitCode: 1 }), Code.FailedPrecondition, /COMPLETED to FAILED/);
      await rejectsWith(f.workers.finishJob({ jobId, workerId: w, success: true, exitCode: 3 }), Code.FailedPrecondition, /COMPLETED to COMPLETED/);
      const other = await f.registerWorker();
      await rejectsWith(f.workers.finishJob({ jobId, workerId: other, success: true, exitCode: 0 }), Code.FailedPrecondition, /COMPLETED to COMPLETED/);
    });

    it("answers a repeated failure that put the job back for a retry, even once another worker holds it", async () => {
      const f = await queueFixture(t, protocol, "refail");
      const jobId = await f.createJob({ maxAttempts: 2 });
      const a = await f.registerWorker();
      const project = { case: "projectId" as const, value: f.project.id };
      await f.workers.fetchJob({ workerId: a, project });
      const failed = await f.workers.finishJob({ jobId, workerId: a, success: false, exitCode: 2 });
      assert.equal(failed.job!.status, JobStatus.PENDING);
      const repeated = await f.workers.finishJob({ jobId, workerId: a, success: false, exitCode: 2 });
      assert.equal(repeated.job!.status, JobStatus.PENDING);
      assert.equal(repeated.job!.attempts, 1, "the repeat spent nothing");
    });

    it("answers repeated FinishJobs per item, and repeated StartJob and ReleaseJob as the first did", async () => {
      const f = await queueFixture(t, protocol, "rebatch");
      const ids = [await f.createJob(), await f.createJob(), await f.createJob()];
      const w = await f.registerWorker();
      await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 3 });
      const started = await f.workers.startJob({ jobId: ids[2]!, workerId: w });
      assert.equal((await f.workers.startJob({ jobId: ids[2]!, workerId: w })).job!.startTime?.seconds, started.job!.startTime?.seconds);
      const outcomes = [
        { jobId: ids[0]!, success: true, exitCode: 0 },
        { jobId: ids[1]!, success: false, exitCode: 9 },
      ];
      assert.deepEqual((await f.workers.finishJobs({ workerId: w, outcomes })).results.map((r) => r.errorCode), ["", ""]);
      assert.deepEqual((await f.workers.finishJobs({ workerId: w, outcomes })).results.map((r) => r.errorCode), ["", ""]);
      const released = await f.workers.releaseJob({ jobId: ids[2]!, workerId: w, reason: "draining" });
      assert.equal(released.job!.status, JobStatus.PENDING);
      const releasedAgain = await f.workers.releaseJob({ jobId: ids[2]!, workerId: w, reason: "draining" });
      assert.equal(releasedAgain.job!.status, JobStatus.PENDING);
      assert.equal(releasedAgain.job!.attempts, 0, "released once, whatever the repeats");
    });
  });
}

describe("heartbeats that name the running jobs", () => {
  it("release the jobs held for the worker that it does not run once their claim is old enough, and keep the others", async () => {
    const f = await queueFixture(t, "connect", "abandoned");
    const kept = await f.createJob();
    const lost = await f.createJob();
    const w = await f.registerWorker();
    await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 2 });
    // A claim just made may still be on its way to the worker: it is not released yet.
    const early = await f.workers.heartbeat({ workerId: w, running: { ids: [kept] } });
    assert.deepEqual(early.releasedJobIds, []);
    // Make the claim old, as if its answer never arrived ten seconds ago.
    await t.server.app.db.sql.query(`update job_attempt set claimed_at = claimed_at - interval '1 minute' where job_id = ?`, [Number(lost)]);
    const hb = await f.workers.heartbeat({ workerId: w, running: { ids: [kept] } });
    assert.deepEqual(hb.releasedJobIds, [lost]);
    const back = (await f.jobs.getJob({ id: lost })).job!;
    assert.equal(back.status, JobStatus.PENDING);
    assert.equal(back.attempts, 0);
    assert.match(back.message, /does not run it/);
    assert.equal((await f.jobs.getJob({ id: kept })).job!.status, JobStatus.QUEUED);
    // Without the list, every lease is extended as before.
    assert.deepEqual((await f.workers.heartbeat({ workerId: w })).releasedJobIds, []);
  });
});

describe("finished jobs past retention", () => {
  it("are deleted by the reaper, except one an unfinished job still depends on", async () => {
    const f = await queueFixture(t, "connect", "retention");
    const done = await f.createJob();
    const failedDep = await f.createJob();
    const blocked = await f.createJob({ dependsOn: [failedDep] });
    const w = await f.registerWorker();
    await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 2 });
    await f.workers.finishJob({ jobId: done, workerId: w, success: true });
    await f.workers.finishJob({ jobId: failedDep, workerId: w, success: false });
    assert.equal((await f.jobs.getJob({ id: blocked })).job!.status, JobStatus.BLOCKED);
    await eventually("the completed job to be deleted", async () => ((await f.jobs.getJob({ id: done }).catch(() => undefined)) ? undefined : true));
    assert.equal((await f.jobs.getJob({ id: failedDep })).job!.status, JobStatus.FAILED, "kept: a blocked job depends on it");
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(metrics, /^whatsnext_retention_deleted_jobs_total [1-9]/m);
  });
});

describe("with API keys", () => {
  const admin = testSecret("admin");
  const workerA = testSecret("worker-a");
  const workerB = testSecret("worker-b");
  const viewer = testSecret("viewer");
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ WHATSNEXT_API_KEYS: `root:admin:${admin},a:worker:${workerA},b:worker:${workerB},v:viewer:${viewer}` });
  });
  after(async () => {
    await s?.close();
  });

  it("binds a worker to the principal that registered it: another worker key may not act as it", async () => {
    const f = await queueFixture({ ...s, client: (svc, protocol, headers) => s.client(svc, protocol, headers ?? { authorization: `Bearer ${admin}` }) } as TestServer, "connect", "bound");
    const jobId = await f.createJob();
    const asA = s.client(WorkerService, "connect", { authorization: `Bearer ${workerA}` });
    const asB = s.client(WorkerService, "grpc-js", { authorization: `Bearer ${workerB}` });
    const id = uniqueName("bound");
    await asA.registerWorker({ id, name: "a's worker" });
    const project = { case: "projectId" as const, value: f.project.id };
    await rejectsWith(asB.registerWorker({ id, name: "b takes over" }), Code.PermissionDenied, new RegExp(`may not act as worker "${id}"`));
    await rejectsWith(asB.fetchJob({ workerId: id, project }), Code.PermissionDenied, /another principal registered it/);
    await rejectsWith(asB.heartbeat({ workerId: id }), Code.PermissionDenied);
    const claimed = await asA.fetchJob({ workerId: id, project });
    assert.equal(claimed.jobs[0]?.id, jobId);
    await rejectsWith(asB.startJob({ jobId, workerId: id }), Code.PermissionDenied);
    await rejectsWith(asB.finishJob({ jobId, workerId: id, success: true }), Code.PermissionDenied);
    await rejectsWith(asB.releaseJob({ jobId, workerId: id }), Code.PermissionDenied);
    await rejectsWith(asB.deactivateWorker({ workerId: id }), Code.PermissionDenied);
    assert.equal((await asA.finishJob({ jobId, workerId: id, success: true })).job!.status, JobStatus.COMPLETED);
    // An admin may act as any worker.
    const asAdmin = s.client(WorkerService, "connect", { authorization: `Bearer ${admin}` });
    await asAdmin.heartbeat({ workerId: id });
    await asA.registerWorker({ id, name: "a's worker again" });
  });

  it("serves /metrics only with a key unless it is public", async () => {
    const anonymous = await fetch(`${s.url}/metrics`);
    assert.equal(anonymous.status, 401);
    assert.match(await anonymous.text(), /WHATSNEXT_METRICS_PUBLIC/);
    assert.equal((await fetch(`${s.url}/metrics`, { headers: { authorization: "Bearer wrong-key-0123456789" } })).status, 401);
    const withKey = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${viewer}` } });
    assert.equal(withKey.status, 200);
    assert.match(await withKey.text(), /whatsnext_rpc_calls_total/);
    const open = await startTestServer({ WHATSNEXT_API_KEYS: `root:admin:${admin}`, WHATSNEXT_METRICS_PUBLIC: "true" });
    try {
      assert.equal((await fetch(`${open.url}/metrics`)).status, 200);
    } finally {
      await open.close();
    }
  });
});
