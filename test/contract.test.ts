import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema, ResourceInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { JobEventType } from "../gen/whatsnext/v1/job_pb.js";
import { SweepService } from "../gen/whatsnext/v1/sweep_pb.js";
import { TaskService } from "../gen/whatsnext/v1/task_pb.js";
import { FinishOutcome } from "../gen/whatsnext/v1/worker_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { queueFixture } from "./support/queue-fixtures.js";
import { PROTOCOLS, startTestServer, type TestServer } from "./support/test-server.js";

// The contract as a client in another language meets it (issue #18): structured
// error details, unmistakable finishes, numeric codes, page tokens bound to
// their query, per-project worker counts and one way to name a project.

let t: TestServer;
before(async () => {
  t = await startTestServer({ WHATSNEXT_LEASE_SECONDS: "30", WHATSNEXT_RETRY_BACKOFF_SECONDS: "0" });
});
after(async () => {
  await t?.close();
});

for (const protocol of PROTOCOLS) {
  describe(`the contract over ${protocol}`, () => {
    it("gives google.rpc details with every error: BadRequest naming the field, ErrorInfo with a stable reason, ResourceInfo", async () => {
      const f = await queueFixture(t, protocol, "details");
      const bad = await rejectsWith(f.jobs.createJob({ projectId: f.project.id, task: { case: "taskName", value: "run" }, maxAttempts: 1000 }), Code.InvalidArgument, /max_attempts/);
      const [request] = bad.findDetails(BadRequestSchema);
      assert.equal(request?.fieldViolations[0]?.field, "max_attempts");
      assert.match(request!.fieldViolations[0]!.description, /between/);
      assert.equal(bad.findDetails(ErrorInfoSchema)[0]?.reason, "INVALID_ARGUMENT");

      const missing = await rejectsWith(f.jobs.getJob({ id: 987_654_321n }), Code.NotFound, /job 987654321 not found/);
      assert.deepEqual(
        missing.findDetails(ErrorInfoSchema).map((i) => [i.reason, i.domain]),
        [["JOB_NOT_FOUND", "whatsnext.dev"]],
      );
      assert.deepEqual(missing.findDetails(ResourceInfoSchema).map((r) => [r.resourceType, r.resourceName]), [["job", "987654321"]]);

      const jobId = await f.createJob();
      const w = await f.registerWorker();
      const other = await f.registerWorker();
      await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id } });
      const notHolder = await rejectsWith(f.workers.startJob({ jobId, workerId: other }), Code.FailedPrecondition, /does not hold the lease/);
      const [info] = notHolder.findDetails(ErrorInfoSchema);
      assert.equal(info?.reason, "NOT_LEASE_HOLDER");
      assert.deepEqual({ ...info!.metadata }, { job_id: String(jobId), worker_id: other });

      const running = await rejectsWith(f.jobs.updateJob({ id: jobId, priority: 5 }), Code.FailedPrecondition, /only a PENDING or BLOCKED job/);
      assert.equal(running.findDetails(ErrorInfoSchema)[0]?.reason, "JOB_NOT_WAITING");
      assert.equal(running.findDetails(ErrorInfoSchema)[0]?.metadata.status, "QUEUED");

      await f.workers.finishJob({ jobId, workerId: w, success: true });
      const illegal = await rejectsWith(f.workers.finishJob({ jobId, workerId: w, success: false }), Code.FailedPrecondition);
      assert.equal(illegal.findDetails(ErrorInfoSchema)[0]?.reason, "ILLEGAL_TRANSITION");
    });

    it("keeps a deactivated worker deactivated until it registers again, with a WORKER_DEACTIVATED reason", async () => {
      const f = await queueFixture(t, protocol, "deact");
      await f.createJob();
      const w = await f.registerWorker();
      await f.workers.deactivateWorker({ workerId: w });
      const hb = await rejectsWith(f.workers.heartbeat({ workerId: w }), Code.FailedPrecondition, /register it again/);
      assert.equal(hb.findDetails(ErrorInfoSchema)[0]?.reason, "WORKER_DEACTIVATED");
      const fetch = await rejectsWith(f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id } }), Code.FailedPrecondition);
      assert.equal(fetch.findDetails(ErrorInfoSchema)[0]?.reason, "WORKER_DEACTIVATED");
      assert.equal((await f.workers.getWorker({ workerId: w })).worker!.active, false, "the refused calls did not bring it back");
    });

    it("tells a finish that was applied from one that met a cancelled job, and gives item codes as numbers", async () => {
      const f = await queueFixture(t, protocol, "finish");
      const [done, cancelled, batchCancelled] = [await f.createJob(), await f.createJob(), await f.createJob()];
      const w = await f.registerWorker();
      await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 3, start: true });

      const applied = await f.workers.finishJob({ jobId: done, workerId: w, success: true, exitCode: 0 });
      assert.equal(applied.finishOutcome, FinishOutcome.APPLIED);
      assert.equal(applied.job!.status, JobStatus.COMPLETED);
      assert.equal(applied.job!.exitCode, 0, "a set 0 stays 0, not unset");

      await f.jobs.cancelJob({ id: cancelled });
      const late = await f.workers.finishJob({ jobId: cancelled, workerId: w, success: true });
      assert.equal(late.finishOutcome, FinishOutcome.CANCELLED);
      assert.equal(late.job!.status, JobStatus.CANCELLED);
      assert.equal(late.job!.exitCode, undefined, "no exit code reported: unset, not 0");

      await f.jobs.cancelJob({ id: batchCancelled });
      const batch = await f.workers.finishJobs({ workerId: w, outcomes: [{ jobId: batchCancelled, success: true }, { jobId: 987_654_321n, success: true }, { jobId: done, success: false }] });
      assert.deepEqual(
        batch.results.map((r) => [r.jobId, r.statusCode, r.errorCode, r.finishOutcome]),
        [
          [batchCancelled, 0, "", FinishOutcome.CANCELLED],
          [987_654_321n, Code.NotFound, "not_found", FinishOutcome.UNSPECIFIED],
          [done, Code.FailedPrecondition, "failed_precondition", FinishOutcome.UNSPECIFIED],
        ],
      );
      const starts = await f.workers.startJobs({ workerId: w, starts: [{ jobId: done }] });
      assert.deepEqual(starts.results.map((r) => [r.statusCode, r.finishOutcome]), [[Code.FailedPrecondition, FinishOutcome.UNSPECIFIED]]);
    });

    it("refuses a page token with another query, and accepts it with another page size", async () => {
      const a = await queueFixture(t, protocol, "pages-a");
      const b = await queueFixture(t, protocol, "pages-b");
      for (let i = 0; i < 3; i++) {
        await a.createJob();
        await b.createJob();
      }
      const first = await a.jobs.listJobs({ projectId: a.project.id, pageSize: 1 });
      assert.ok(first.nextPageToken);
      const crossed = await rejectsWith(a.jobs.listJobs({ projectId: b.project.id, pageSize: 1, pageToken: first.nextPageToken }), Code.InvalidArgument, /page_token belongs to another query/);
      assert.equal(crossed.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field, "page_token");
      await rejectsWith(a.jobs.listJobs({ projectId: a.project.id, statuses: [JobStatus.PENDING], pageToken: first.nextPageToken }), Code.InvalidArgument, /another query/);
      const second = await a.jobs.listJobs({ projectId: a.project.id, pageSize: 5, pageToken: first.nextPageToken });
      assert.equal(second.jobs.length, 2);
      assert.ok(second.jobs.every((j) => j.projectId === a.project.id));
      const tasks = t.client(TaskService, protocol);
      const taskPage = await tasks.listTasks({ projectId: a.project.id, pageSize: 1 });
      const twoTasks = await queueFixture(t, protocol, "pages-c", { one: {}, two: {} });
      const firstTasks = await tasks.listTasks({ projectId: twoTasks.project.id, pageSize: 1 });
      assert.equal(taskPage.nextPageToken, "");
      await rejectsWith(tasks.listTasks({ projectId: a.project.id, pageToken: firstTasks.nextPageToken }), Code.InvalidArgument, /another query/);
    });

    it("counts the project's own workers in queue stats, beside the server-wide counts", async () => {
      const a = await queueFixture(t, protocol, "stats-a");
      const b = await queueFixture(t, protocol, "stats-b");
      await a.createJob();
      await a.createJob();
      const w1 = await a.registerWorker();
      const w2 = await a.registerWorker();
      await a.workers.fetchJob({ workerId: w1, project: { case: "projectId", value: a.project.id } });
      await a.workers.fetchJob({ workerId: w2, project: { case: "projectId", value: a.project.id }, start: true });
      const statsA = await a.jobs.getQueueStats({ projectId: a.project.id });
      const statsB = await b.jobs.getQueueStats({ projectId: b.project.id });
      assert.equal(statsA.projectWorkers, 2);
      assert.equal(statsB.projectWorkers, 0);
      assert.ok(statsB.activeWorkers >= 2, "active_workers stays server-wide");
    });

    it("takes project_name wherever project_id is taken, and refuses both", async () => {
      const f = await queueFixture(t, protocol, "byname");
      const name = f.project.name;
      const created = await f.jobs.createJob({ projectName: name, task: { case: "taskName", value: "run" }, name: "named" });
      assert.equal(created.job!.projectId, f.project.id);
      const batch = await f.jobs.batchCreateJobs({ projectName: name, jobs: [{ task: { case: "taskName", value: "run" } }] });
      assert.equal(batch.jobIds.length, 1);
      const listed = await f.jobs.listJobs({ projectName: name });
      assert.deepEqual(listed.jobs.map((j) => j.id), [created.job!.id, batch.jobIds[0]]);
      assert.equal((await f.jobs.getQueueStats({ projectName: name })).pending, 2n);
      const tasks = t.client(TaskService, protocol);
      await tasks.createTask({ projectName: name, name: "second", commandTemplate: "true" });
      assert.equal((await tasks.getTask({ projectName: name, name: "second" })).task!.projectId, f.project.id);
      assert.equal((await tasks.listTasks({ projectName: name })).tasks.length, 2);
      assert.deepEqual((await t.client(SweepService, protocol).listSweeps({ projectName: name })).sweeps, []);
      const both = await rejectsWith(f.jobs.listJobs({ projectId: f.project.id, projectName: name }), Code.InvalidArgument, /project_name must be empty when project_id is set/);
      assert.equal(both.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field, "project_name");
      const unknown = await rejectsWith(f.jobs.getQueueStats({ projectName: `${name}-nope` }), Code.NotFound);
      assert.equal(unknown.findDetails(ErrorInfoSchema)[0]?.reason, "PROJECT_NOT_FOUND");
      assert.equal((await f.jobs.clearQueue({ projectName: name })).deleted, 2n);
      const aborts = new AbortController();
      for await (const event of f.jobs.watchJobs({ projectName: name, confirmSubscription: true }, { signal: aborts.signal })) {
        assert.equal(event.type, JobEventType.SUBSCRIBED);
        break;
      }
      aborts.abort();
    });
  });
}
