import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { queueFixture } from "./support/queue-fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t?.close();
});

type Status = "PENDING" | "QUEUED" | "RUNNING" | "COMPLETED" | "FAILED" | "BLOCKED" | "CANCELLED";
const ALL: Status[] = ["PENDING", "QUEUED", "RUNNING", "COMPLETED", "FAILED", "BLOCKED", "CANCELLED"];

/** A job driven into the status through the public RPCs, in a project of its own so the claim is deterministic. */
async function jobIn(status: Status) {
  const f = await queueFixture(t, "connect", `tr-${status.toLowerCase()}`);
  const project = { case: "projectId" as const, value: f.project.id };
  if (status === "BLOCKED") {
    const dep = await f.createJob();
    await f.jobs.cancelJob({ id: dep });
    return { f, id: await f.createJob({ dependsOn: [dep] }), workerId: "" };
  }
  const id = await f.createJob({ maxAttempts: 1 });
  if (status === "CANCELLED") await f.jobs.cancelJob({ id });
  if (status === "PENDING" || status === "CANCELLED") return { f, id, workerId: "" };
  const workerId = await f.registerWorker();
  const fetched = await f.workers.fetchJob({ workerId, project });
  assert.equal(fetched.jobs[0]?.id, id);
  if (status !== "QUEUED") await f.workers.startJob({ jobId: id, workerId, command: "run" });
  if (status === "COMPLETED" || status === "FAILED") await f.workers.finishJob({ jobId: id, workerId, success: status === "COMPLETED", exitCode: 1 });
  assert.equal(JobStatus[(await f.jobs.getJob({ id })).job!.status], status);
  return { f, id, workerId };
}

/** The status table (docs/architecture.md), restricted to what JobService drives: RetryJob → PENDING, CancelJob → CANCELLED. */
const ALLOWED: Record<"retry" | "cancel", Status[]> = {
  retry: ["FAILED", "BLOCKED", "CANCELLED"],
  cancel: ["PENDING", "QUEUED", "RUNNING", "BLOCKED"],
};

describe("job transitions driven by JobService", () => {
  for (const from of ALL) {
    it(`from ${from}: RetryJob and CancelJob follow the table, anything else names both statuses`, async () => {
      // RetryJob
      {
        const { f, id } = await jobIn(from);
        if (from === "BLOCKED") {
          // A BLOCKED job whose dependency is still cancelled cannot run: refused, naming the dependency.
          await rejectsWith(f.jobs.retryJob({ id }), Code.FailedPrecondition, new RegExp(`^job ${id} cannot go from BLOCKED to PENDING: its dependency job \\d+ is CANCELLED`));
        } else if (ALLOWED.retry.includes(from)) {
          const r = await f.jobs.retryJob({ id });
          assert.equal(r.job!.status, JobStatus.PENDING);
          assert.equal(r.job!.attempts, 0, "attempts reset");
        } else {
          await rejectsWith(f.jobs.retryJob({ id }), Code.FailedPrecondition, new RegExp(`^job ${id} cannot go from ${from} to PENDING$`));
          assert.equal(JobStatus[(await f.jobs.getJob({ id })).job!.status], from, "a refused transition changes nothing");
        }
      }
      // CancelJob
      {
        const { f, id } = await jobIn(from);
        if (ALLOWED.cancel.includes(from)) {
          const r = await f.jobs.cancelJob({ id, reason: "test" });
          assert.equal(r.job!.status, JobStatus.CANCELLED);
        } else {
          await rejectsWith(f.jobs.cancelJob({ id }), Code.FailedPrecondition, new RegExp(`^job ${id} cannot go from ${from} to CANCELLED$`));
          assert.equal(JobStatus[(await f.jobs.getJob({ id })).job!.status], from);
        }
      }
      // UpdateJob and DeleteJob are not transitions but are limited by status too.
      {
        const { f, id } = await jobIn(from);
        if (from === "PENDING" || from === "BLOCKED") {
          assert.equal((await f.jobs.updateJob({ id, priority: 3 })).job!.priority, 3);
        } else {
          await rejectsWith(f.jobs.updateJob({ id, priority: 3 }), Code.FailedPrecondition, new RegExp(`^job ${id} is ${from}: only a PENDING or BLOCKED job`));
        }
        if (from === "QUEUED" || from === "RUNNING") {
          await rejectsWith(f.jobs.deleteJob({ id }), Code.FailedPrecondition, new RegExp(`^job ${id} is ${from} and cannot be deleted`));
        } else {
          await f.jobs.deleteJob({ id });
          await rejectsWith(f.jobs.getJob({ id }), Code.NotFound);
        }
      }
    });
  }

  it("answers NotFound, not FailedPrecondition, for a job that does not exist", async () => {
    const f = await queueFixture(t, "connect", "tr-missing");
    await rejectsWith(f.jobs.retryJob({ id: 987654321n }), Code.NotFound, /job 987654321 not found/);
    await rejectsWith(f.jobs.cancelJob({ id: 987654321n }), Code.NotFound, /job 987654321 not found/);
    await rejectsWith(f.jobs.deleteJob({ id: 987654321n }), Code.NotFound, /job 987654321 not found/);
    await rejectsWith(f.jobs.getJobDependencies({ id: 987654321n }), Code.NotFound, /job 987654321 not found/);
  });

  it("a cancelled RUNNING job is told to its worker on the next heartbeat, and its dependents are blocked", async () => {
    const { f, id, workerId } = await jobIn("RUNNING");
    const dependent = await f.createJob({ dependsOn: [id] });
    const { job, blockedJobIds } = await f.jobs.cancelJob({ id, reason: "no longer needed" });
    assert.equal(job!.status, JobStatus.CANCELLED);
    assert.deepEqual(blockedJobIds, [dependent]);
    const hb = await f.workers.heartbeat({ workerId });
    assert.deepEqual(hb.cancelledJobIds, [id]);
    // Not retried while its worker is still stopping it: one job never runs twice at once.
    await rejectsWith(f.jobs.retryJob({ id }), Code.FailedPrecondition, new RegExp(`^job ${id} cannot go from CANCELLED to PENDING: worker "${workerId}" is still stopping it`));
    await f.workers.finishJob({ jobId: id, workerId, success: false, exitCode: 143 });
    const retried = await f.jobs.retryJob({ id });
    assert.equal(retried.job!.status, JobStatus.PENDING);
    assert.deepEqual(retried.unblockedJobIds, [dependent]);
  });

  it("completing dependencies releases their dependents; a final failure blocks them and RetryJob frees them", async () => {
    const f = await queueFixture(t, "connect", "tr-flow");
    const project = { case: "projectId" as const, value: f.project.id };
    const w = await f.registerWorker();
    const a = await f.createJob({ name: "a", priority: 10 });
    const b = await f.createJob({ name: "b", priority: 10 });
    const c = await f.createJob({ name: "c", dependsOn: [a, b], priority: 100 });
    const d = await f.createJob({ name: "d", dependsOn: [c], priority: 100 });
    const run = async (expected: bigint, success: boolean) => {
      const got = await f.workers.fetchJob({ workerId: w, project });
      assert.equal(got.jobs[0]?.id, expected, `fetched ${got.jobs[0]?.name}`);
      await f.workers.startJob({ jobId: expected, workerId: w });
      return (await f.workers.finishJob({ jobId: expected, workerId: w, success, exitCode: success ? 0 : 1 })).job!;
    };
    // c has the highest priority but waits for both a and b (fan-in).
    await run(a, true);
    const deps = await f.jobs.getJobDependencies({ id: c });
    assert.deepEqual(deps.dependencies.map((x) => JobStatus[x.status]), ["COMPLETED", "PENDING"]);
    assert.equal(deps.allCompleted, false);
    await run(b, true);
    assert.equal((await f.jobs.getJobDependencies({ id: c })).allCompleted, true);
    const failed = await run(c, false);
    assert.equal(failed.status, JobStatus.FAILED);
    assert.equal(JobStatus[(await f.jobs.getJob({ id: d })).job!.status], "BLOCKED");
    assert.equal((await f.jobs.getJobDependencies({ id: d })).hasFailed, true);
    assert.deepEqual((await f.workers.fetchJob({ workerId: w, project })).jobs, [], "nothing is claimable while d is blocked");

    const retried = await f.jobs.retryJob({ id: c });
    assert.deepEqual(retried.unblockedJobIds, [d]);
    await run(c, true);
    const last = await run(d, true);
    assert.equal(last.status, JobStatus.COMPLETED);
    const stats = await f.jobs.getQueueStats({ projectId: f.project.id });
    assert.equal(stats.completed, 4n);
    assert.ok(stats.registeredWorkers >= 1);
    assert.ok(stats.activeWorkers >= 1);

    // A dependency that completed before the dependent was created counts as met at once.
    const e = await f.createJob({ name: "e", dependsOn: [a] });
    assert.equal((await run(e, true)).status, JobStatus.COMPLETED);
  });
});
