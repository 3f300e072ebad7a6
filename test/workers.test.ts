import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { queueFixture, uniqueName } from "./support/queue-fixtures.js";
import { PROTOCOLS, startTestServer, type TestServer } from "./support/test-server.js";

let t: TestServer;
before(async () => {
  t = await startTestServer({ WHATSNEXT_LEASE_SECONDS: "30", WHATSNEXT_RETRY_BACKOFF_SECONDS: "0" });
});
after(async () => {
  await t?.close();
});

for (const protocol of PROTOCOLS) {
  describe(`workers over ${protocol}`, () => {
    it("registers with a chosen or generated id, re-registers, and lists with paging", async () => {
      const { workers } = await queueFixture(t, protocol, "reg");
      const generated = await workers.registerWorker({ name: "anon" });
      assert.match(generated.worker!.id, /^[A-Za-z0-9_-]{1,128}$/);
      assert.equal(generated.leaseSeconds, 30);
      assert.equal(generated.heartbeatIntervalSeconds, 10);
      assert.equal(generated.worker!.availableCpu, undefined, "unreported resources stay unset");

      const id = uniqueName("gpu-box");
      const first = await workers.registerWorker({ id, name: "box", entity: "team-a", availableCpu: 8, availableAccelerators: 0 });
      assert.equal(first.worker!.availableAccelerators, 0);
      await workers.deactivateWorker({ workerId: id });
      assert.equal((await workers.getWorker({ workerId: id })).worker!.active, false);
      const again = await workers.registerWorker({ id, name: "box-2", entity: "team-b", availableCpu: 4 });
      assert.equal(again.worker!.active, true);
      assert.equal(again.worker!.name, "box-2");
      assert.equal(again.worker!.availableCpu, 4);
      assert.equal(again.worker!.availableAccelerators, undefined);

      const inactive = uniqueName("idle");
      await workers.registerWorker({ id: inactive });
      await workers.deactivateWorker({ workerId: inactive });
      const seen: string[] = [];
      let pageToken = "";
      do {
        const page = await workers.listWorkers({ pageSize: 2, pageToken });
        assert.ok(page.workers.length <= 2);
        seen.push(...page.workers.map((w) => w.id));
        pageToken = page.nextPageToken;
      } while (pageToken);
      assert.ok(seen.includes(id) && seen.includes(generated.worker!.id));
      assert.ok(!seen.includes(inactive), "inactive workers are hidden unless asked");
      assert.deepEqual([...seen].sort(), seen, "listed in id order");
      const all = await workers.listWorkers({ includeInactive: true, pageSize: 1000 });
      assert.ok(all.workers.some((w) => w.id === inactive));
    });

    it("fetches, starts and finishes a job, recording the outcome", async () => {
      const f = await queueFixture(t, protocol, "flow", { train: { cpu: 2, gpu: 1 } });
      const jobId = await f.createJob({ name: "one" });
      await f.createJob({ name: "two" });
      const workerId = await f.registerWorker();
      const fetched = await f.workers.fetchJob({ workerId, project: { case: "projectName", value: f.project.name } });
      assert.equal(fetched.jobs.length, 1);
      const job = fetched.jobs[0]!;
      assert.equal(job.id, jobId);
      assert.equal(job.status, JobStatus.QUEUED);
      assert.equal(job.workerId, workerId);
      assert.equal(job.attempts, 1);
      assert.equal(job.taskName, "train");
      assert.equal(job.commandTemplate, "train {job_id}");
      assert.equal(job.requiredCpu, 2);
      assert.equal(job.requiredAccelerators, 1);
      assert.ok(job.leaseExpireTime);
      assert.equal(fetched.numPending, 1n);
      assert.deepEqual((await f.workers.getWorker({ workerId })).worker!.jobIds, [jobId]);

      const started = await f.workers.startJob({ jobId, workerId, command: "train 0.1" });
      assert.equal(started.job!.status, JobStatus.RUNNING);
      assert.equal(started.job!.command, "train 0.1");
      assert.ok(started.job!.startTime);

      const tail = "line\u0000with nul 'quotes' ? \\ backslash\n".repeat(3);
      const finished = await f.workers.finishJob({ jobId, workerId, success: true, exitCode: 0, message: "done", outputTail: tail });
      assert.equal(finished.job!.status, JobStatus.COMPLETED);
      assert.equal(finished.job!.exitCode, 0);
      assert.equal(finished.job!.message, "done");
      assert.equal(finished.job!.outputTail, tail.replaceAll("\u0000", "\uFFFD"));
      assert.equal(finished.job!.workerId, workerId, "the last worker stays on record");
      assert.ok(finished.job!.finishTime);
      assert.deepEqual((await f.workers.getWorker({ workerId })).worker!.jobIds, []);
      await rejectsWith(f.workers.finishJob({ jobId, workerId, success: true }), Code.FailedPrecondition, /COMPLETED to COMPLETED/);
    });

    it("keeps the last 64 KiB of a long output tail", async () => {
      const f = await queueFixture(t, protocol, "tail");
      const jobId = await f.createJob();
      const workerId = await f.registerWorker();
      await f.workers.fetchJob({ workerId, project: { case: "projectId", value: f.project.id } });
      const out = "x".repeat(70 * 1024) + "THE END";
      const finished = await f.workers.finishJob({ jobId, workerId, success: false, exitCode: 3, outputTail: out });
      assert.equal(finished.job!.status, JobStatus.FAILED);
      assert.equal(finished.job!.exitCode, 3);
      assert.equal(finished.job!.outputTail.length, 64 * 1024);
      assert.ok(finished.job!.outputTail.endsWith("THE END"));
    });

    it("lets only the lease holder start, finish or release, naming both statuses otherwise", async () => {
      const f = await queueFixture(t, protocol, "holder");
      const jobId = await f.createJob();
      const holder = await f.registerWorker();
      const other = await f.registerWorker();
      await rejectsWith(f.workers.startJob({ jobId, workerId: holder }), Code.FailedPrecondition, /PENDING to RUNNING/);
      await f.workers.fetchJob({ workerId: holder, project: { case: "projectId", value: f.project.id } });
      await rejectsWith(f.workers.startJob({ jobId, workerId: other }), Code.FailedPrecondition, new RegExp(`worker "${other}" does not hold the lease on job ${jobId}`));
      await rejectsWith(f.workers.finishJob({ jobId, workerId: other, success: true }), Code.FailedPrecondition, /does not hold the lease/);
      await rejectsWith(f.workers.releaseJob({ jobId, workerId: other }), Code.FailedPrecondition, /does not hold the lease/);
      await f.workers.startJob({ jobId, workerId: holder });
      // A start repeated by the holder (its first answer lost) answers as the first did.
      assert.equal((await f.workers.startJob({ jobId, workerId: holder })).job!.status, JobStatus.RUNNING);
      await rejectsWith(f.workers.startJob({ jobId, workerId: other }), Code.FailedPrecondition, /RUNNING to RUNNING/);
      const got = (await f.jobs.getJob({ id: jobId })).job!;
      assert.equal(got.status, JobStatus.RUNNING);
      assert.equal(got.workerId, holder);
      await rejectsWith(f.workers.finishJob({ jobId: 99_999_999n, workerId: holder, success: true }), Code.NotFound, /job 99999999/);
    });

    it("releases a job without using an attempt", async () => {
      const f = await queueFixture(t, protocol, "release");
      const jobId = await f.createJob({ maxAttempts: 1 });
      const a = await f.registerWorker();
      const b = await f.registerWorker();
      await f.workers.fetchJob({ workerId: a, project: { case: "projectId", value: f.project.id } });
      await f.workers.startJob({ jobId, workerId: a });
      const released = await f.workers.releaseJob({ jobId, workerId: a, reason: "preempted" });
      assert.equal(released.job!.status, JobStatus.PENDING);
      assert.equal(released.job!.attempts, 0);
      assert.match(released.job!.message, /preempted/);
      // A release repeated by the same worker (its first answer lost) answers with the job as it is now.
      assert.equal((await f.workers.releaseJob({ jobId, workerId: a })).job!.status, JobStatus.PENDING);
      await rejectsWith(f.workers.releaseJob({ jobId, workerId: b }), Code.FailedPrecondition, /PENDING to PENDING/);
      const again = await f.workers.fetchJob({ workerId: b, project: { case: "projectId", value: f.project.id } });
      assert.equal(again.jobs[0]?.id, jobId);
      assert.equal(again.jobs[0]?.attempts, 1, "the release gave the attempt back");
    });

    it("deactivates and deletes workers, returning their jobs to the queue", async () => {
      const f = await queueFixture(t, protocol, "deact");
      const j1 = await f.createJob();
      const j2 = await f.createJob();
      const w = await f.registerWorker();
      await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 2 });
      const d = await f.workers.deactivateWorker({ workerId: w });
      assert.equal(d.worker!.active, false);
      assert.deepEqual(d.releasedJobIds, [j1, j2]);
      for (const id of [j1, j2]) {
        const job = (await f.jobs.getJob({ id })).job!;
        assert.equal(job.status, JobStatus.PENDING);
        assert.equal(job.attempts, 0);
      }
      // A deactivated worker must register again before it works.
      await rejectsWith(f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id } }), Code.FailedPrecondition, new RegExp(`worker "${w}" was deactivated`));
      await rejectsWith(f.workers.heartbeat({ workerId: w }), Code.FailedPrecondition, /register it again/);
      await f.workers.registerWorker({ id: w, name: "back" });
      const fetched = await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id } });
      assert.equal(fetched.jobs[0]?.id, j1);
      assert.equal((await f.workers.getWorker({ workerId: w })).worker!.active, true);
      await f.workers.deleteWorker({ workerId: w });
      await rejectsWith(f.workers.getWorker({ workerId: w }), Code.NotFound, new RegExp(w));
      assert.equal((await f.jobs.getJob({ id: j1 })).job!.status, JobStatus.PENDING);
      await rejectsWith(f.workers.deleteWorker({ workerId: w }), Code.NotFound);
      await rejectsWith(f.workers.deactivateWorker({ workerId: w }), Code.NotFound);
    });

    it("tells the worker on heartbeat that its running job was cancelled, and lets it report quietly", async () => {
      const f = await queueFixture(t, protocol, "cancel");
      const jobId = await f.createJob();
      const keep = await f.createJob();
      const w = await f.registerWorker();
      await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 2 });
      await f.workers.startJob({ jobId, workerId: w });
      const before = await f.workers.heartbeat({ workerId: w });
      assert.deepEqual(before.cancelledJobIds, []);
      assert.ok(before.leaseExpireTime);
      await f.jobs.cancelJob({ id: jobId, reason: "wrong parameters" });
      const hb = await f.workers.heartbeat({ workerId: w });
      assert.deepEqual(hb.cancelledJobIds, [jobId]);
      assert.deepEqual((await f.workers.heartbeat({ workerId: w })).cancelledJobIds, [jobId], "reported until the worker acknowledges");
      const finished = await f.workers.finishJob({ jobId, workerId: w, success: false, exitCode: 137, message: "killed", outputTail: "bye" });
      assert.equal(finished.job!.status, JobStatus.CANCELLED);
      assert.equal(finished.job!.exitCode, 137);
      assert.equal(finished.job!.outputTail, "bye");
      assert.deepEqual((await f.workers.heartbeat({ workerId: w })).cancelledJobIds, []);
      assert.deepEqual((await f.workers.getWorker({ workerId: w })).worker!.jobIds, [keep]);
      await rejectsWith(f.workers.finishJob({ jobId, workerId: w, success: true }), Code.FailedPrecondition, /CANCELLED to COMPLETED/);
    });

    it("starts and finishes batches with a result per item", async () => {
      const f = await queueFixture(t, protocol, "batch");
      const ids = [await f.createJob(), await f.createJob(), await f.createJob()];
      const w = await f.registerWorker();
      const other = await f.registerWorker();
      const fetched = await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 2 });
      assert.deepEqual(fetched.jobs.map((j) => j.id), ids.slice(0, 2));
      const starts = await f.workers.startJobs({ workerId: w, starts: [{ jobId: ids[0]!, command: "a" }, { jobId: ids[2]! }, { jobId: ids[1]!, command: "b" }, { jobId: 88_888_888n }] });
      assert.deepEqual(
        starts.results.map((r) => [r.jobId, r.errorCode]),
        [
          [ids[0], ""],
          [ids[2], "failed_precondition"],
          [ids[1], ""],
          [88_888_888n, "not_found"],
        ],
      );
      assert.match(starts.results[1]!.errorMessage, /PENDING to RUNNING/);
      const finishes = await f.workers.finishJobs({
        workerId: w,
        outcomes: [
          { jobId: ids[0]!, success: true, exitCode: 0 },
          { jobId: ids[1]!, success: false, exitCode: 1, message: "boom" },
        ],
      });
      assert.deepEqual(finishes.results.map((r) => r.errorCode), ["", ""]);
      assert.equal((await f.jobs.getJob({ id: ids[0]! })).job!.status, JobStatus.COMPLETED);
      assert.equal((await f.jobs.getJob({ id: ids[1]! })).job!.status, JobStatus.FAILED);
      const wrong = await f.workers.finishJobs({ workerId: other, outcomes: [{ jobId: ids[0]!, success: true }] });
      assert.equal(wrong.results[0]!.errorCode, "failed_precondition");
      await rejectsWith(f.workers.finishJobs({ workerId: w, outcomes: [] }), Code.InvalidArgument, /outcomes must list at least one job/);
      await rejectsWith(f.workers.startJobs({ workerId: w, starts: [{ jobId: ids[2]! }, { jobId: ids[2]! }] }), Code.InvalidArgument, /twice/);
    });

    it("claims straight into RUNNING with start, and finishes and fetches in one call with next", async () => {
      const f = await queueFixture(t, protocol, "next");
      const ids = [await f.createJob(), await f.createJob(), await f.createJob(), await f.createJob()];
      const w = await f.registerWorker();
      const project = { case: "projectId" as const, value: f.project.id };

      const first = await f.workers.fetchJob({ workerId: w, project, start: true });
      assert.deepEqual(first.jobs.map((j) => [j.id, j.status]), [[ids[0], JobStatus.RUNNING]]);
      assert.ok(first.jobs[0]!.startTime, "a started job has its start time");
      assert.equal(first.numPending, 3n);

      // FinishJob with next: the outcome is stored, then the next job is claimed (and started) in the same call.
      const one = await f.workers.finishJob({ jobId: ids[0]!, workerId: w, success: true, exitCode: 0, next: { project, start: true } });
      assert.equal(one.job!.status, JobStatus.COMPLETED);
      assert.deepEqual(one.next!.jobs.map((j) => [j.id, j.status]), [[ids[1], JobStatus.RUNNING]]);
      assert.equal(one.next!.numPending, 2n);

      // FinishJobs with next and no start: the claimed jobs are QUEUED, as from FetchJob.
      const batch = await f.workers.finishJobs({ workerId: w, outcomes: [{ jobId: ids[1]!, success: true }], next: { workerId: w, project, maxJobs: 5 } });
      assert.deepEqual(batch.results.map((r) => r.errorCode), [""]);
      assert.deepEqual(batch.next!.jobs.map((j) => [j.id, j.status]), [[ids[2], JobStatus.QUEUED], [ids[3], JobStatus.QUEUED]]);
      assert.equal((await f.jobs.getJob({ id: ids[1]! })).job!.status, JobStatus.COMPLETED);

      // Without next the answer has none; with next and an empty queue, next is there and empty.
      const plain = await f.workers.finishJobs({ workerId: w, outcomes: [{ jobId: ids[2]!, success: true }] });
      assert.equal(plain.next, undefined);
      const drained = await f.workers.finishJobs({ workerId: w, outcomes: [{ jobId: ids[3]!, success: false, exitCode: 2 }], next: { project } });
      assert.deepEqual(drained.next!.jobs, []);
      assert.equal((await f.jobs.getJob({ id: ids[3]! })).job!.status, JobStatus.FAILED);
    });

    it("checks next before finishing anything, naming the field", async () => {
      const f = await queueFixture(t, protocol, "next-bad");
      const jobId = await f.createJob();
      const w = await f.registerWorker();
      const other = await f.registerWorker();
      const project = { case: "projectId" as const, value: f.project.id };
      await f.workers.fetchJob({ workerId: w, project, start: true });
      await rejectsWith(f.workers.finishJob({ jobId, workerId: w, success: true, next: { workerId: other, project } }), Code.InvalidArgument, /^next\.worker_id must be empty or the finishing worker/);
      await rejectsWith(f.workers.finishJobs({ workerId: w, outcomes: [{ jobId, success: true }], next: {} }), Code.InvalidArgument, /^next\.project must be given/);
      await rejectsWith(f.workers.finishJob({ jobId, workerId: w, success: true, next: { project, maxJobs: 1001 } }), Code.InvalidArgument, /^next\.max_jobs must be between 1 and 1000/);
      await rejectsWith(f.workers.finishJob({ jobId, workerId: w, success: true, next: { project, waitSeconds: 61 } }), Code.InvalidArgument, /^next\.wait_seconds/);
      // Nothing was lost: the job is still running, held by the worker.
      const job = (await f.jobs.getJob({ id: jobId })).job!;
      assert.equal(job.status, JobStatus.RUNNING);
      assert.equal(job.workerId, w);
      // A finish whose next names a missing project still stores the outcome, then reports the project.
      await rejectsWith(f.workers.finishJob({ jobId, workerId: w, success: true, next: { project: { case: "projectName", value: "no-such-project" } } }), Code.NotFound, /project "no-such-project"/);
      assert.equal((await f.jobs.getJob({ id: jobId })).job!.status, JobStatus.COMPLETED);
    });

    it("refuses bad input with errors naming the field", async () => {
      const f = await queueFixture(t, protocol, "bad");
      const w = await f.registerWorker();
      const project = { case: "projectId" as const, value: f.project.id };
      await rejectsWith(f.workers.registerWorker({ id: "has space" }), Code.InvalidArgument, /^id must be 1 to 128 characters/);
      await rejectsWith(f.workers.registerWorker({ id: "x".repeat(129) }), Code.InvalidArgument, /^id must be 1 to 128/);
      await rejectsWith(f.workers.registerWorker({ availableCpu: -1 }), Code.InvalidArgument, /^available_cpu must be between 0/);
      await rejectsWith(f.workers.heartbeat({ workerId: "" }), Code.InvalidArgument, /^worker_id must be/);
      await rejectsWith(f.workers.heartbeat({ workerId: "nobody-here" }), Code.NotFound, /worker "nobody-here" not found/);
      await rejectsWith(f.workers.fetchJob({ workerId: "nobody-here", project }), Code.NotFound, /worker "nobody-here"/);
      await rejectsWith(f.workers.fetchJob({ workerId: w }), Code.InvalidArgument, /^project must be given/);
      await rejectsWith(f.workers.fetchJob({ workerId: w, project: { case: "projectName", value: "no-such-project" } }), Code.NotFound, /project "no-such-project"/);
      await rejectsWith(f.workers.fetchJob({ workerId: w, project, waitSeconds: 61 }), Code.InvalidArgument, /^wait_seconds must be between 0 and 60, got 61/);
      await rejectsWith(f.workers.fetchJob({ workerId: w, project, maxJobs: 1001 }), Code.InvalidArgument, /^max_jobs must be between 1 and 1000/);
      await rejectsWith(f.workers.fetchJob({ workerId: w, project, maxJobs: -1 }), Code.InvalidArgument, /^max_jobs/);
      await rejectsWith(f.workers.fetchJob({ workerId: w, project, availableAccelerators: -2 }), Code.InvalidArgument, /^available_accelerators/);
      await rejectsWith(f.workers.startJob({ jobId: 0n, workerId: w }), Code.InvalidArgument, /^job_id must be a positive id/);
      await rejectsWith(f.workers.listWorkers({ pageSize: 5000 }), Code.InvalidArgument, /^page_size/);
      await rejectsWith(f.workers.getWorker({ workerId: "missing-worker" }), Code.NotFound, /missing-worker/);
    });
  });
}
