import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { DurationSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { AttemptOutcome } from "../gen/whatsnext/v1/job_pb.js";
import { SweepService, type SweepSpec } from "../gen/whatsnext/v1/sweep_pb.js";
import { TaskService } from "../gen/whatsnext/v1/task_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { queueFixture } from "./support/queue-fixtures.js";
import { startTestServer, type Protocol, type TestServer } from "./support/test-server.js";

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t?.close();
});

const value = (v: number | string) => create(ValueSchema, typeof v === "number" ? { kind: { case: "numberValue", value: v } } : { kind: { case: "stringValue", value: v } });
const minutes = (m: number) => create(DurationSchema, { seconds: BigInt(m * 60) });
const gridSpec = (axes: Record<string, Array<number | string>>) =>
  ({ kind: { case: "grid", value: { axes: Object.entries(axes).map(([name, values]) => ({ name, values: values.map(value) })) } } }) as unknown as SweepSpec;

for (const protocol of ["grpc-js", "connect"] as Protocol[]) {
  describe(`sweeps over ${protocol}`, () => {
    it("expands a grid into one job per combination, filterable by sweep, and counts them", async () => {
      const f = await queueFixture(t, protocol, "grid");
      const sweeps = t.client(SweepService, protocol);
      const created = await sweeps.createSweep({ projectId: f.project.id, task: { case: "taskName", value: "run" }, name: "lr-seed", spec: gridSpec({ lr: [0.1, 0.01], seed: [1, 2, 3] }) });
      assert.equal(created.existing, false);
      assert.equal(created.createdJobs, 6n);
      assert.equal(created.sweep!.counts!.pending, 6n);
      assert.equal(created.sweep!.progress, 0);
      const listed = await f.jobs.listJobs({ projectId: f.project.id, sweepId: created.sweep!.id });
      assert.deepEqual(
        listed.jobs.map((j) => [j.name, j.parameters]),
        [
          ["run-lr=0.1-seed=1", { lr: 0.1, seed: 1 }],
          ["run-lr=0.1-seed=2", { lr: 0.1, seed: 2 }],
          ["run-lr=0.1-seed=3", { lr: 0.1, seed: 3 }],
          ["run-lr=0.01-seed=1", { lr: 0.01, seed: 1 }],
          ["run-lr=0.01-seed=2", { lr: 0.01, seed: 2 }],
          ["run-lr=0.01-seed=3", { lr: 0.01, seed: 3 }],
        ],
      );
      for (const j of listed.jobs) assert.equal(j.sweepId, created.sweep!.id);
      // A job of no sweep is not listed with the sweep.
      await f.createJob();
      assert.equal((await f.jobs.listJobs({ projectId: f.project.id, sweepId: created.sweep!.id })).jobs.length, 6);
      const w = await f.registerWorker();
      const claimed = await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 2 });
      await f.workers.finishJob({ jobId: claimed.jobs[0]!.id, workerId: w, success: true });
      await f.workers.finishJob({ jobId: claimed.jobs[1]!.id, workerId: w, success: false });
      const got = (await sweeps.getSweep({ sweep: { sweep: { case: "name", value: "lr-seed" }, projectId: f.project.id } })).sweep!;
      assert.deepEqual([got.counts!.completed, got.counts!.failed, got.counts!.pending, got.counts!.total], [1n, 1n, 4n, 6n]);
      assert.ok(Math.abs(got.progress - 2 / 6) < 1e-9);
      assert.ok(got.firstFinishTime && got.lastFinishTime);
      const page = await sweeps.listSweeps({ projectId: f.project.id });
      assert.deepEqual(page.sweeps.map((s) => s.name), ["lr-seed"]);
    });

    it("creates idempotently: the same name and spec returns the first sweep, another spec is AlreadyExists", async () => {
      const f = await queueFixture(t, protocol, "idem");
      const sweeps = t.client(SweepService, protocol);
      const req = { projectId: f.project.id, task: { case: "taskName" as const, value: "run" }, name: "s", spec: gridSpec({ a: [1, 2] }) };
      const first = await sweeps.createSweep(req);
      const again = await sweeps.createSweep(req);
      assert.equal(again.existing, true);
      assert.equal(again.createdJobs, 0n);
      assert.equal(again.sweep!.id, first.sweep!.id);
      assert.equal(again.sweep!.counts!.total, 2n);
      await rejectsWith(sweeps.createSweep({ ...req, spec: gridSpec({ a: [1, 2, 3] }) }), Code.AlreadyExists, /sweep "s" in project \d+ \(with another task or spec.* already exists/);
    });

    it("de-duplicates parameter sets within a sweep, and extends it with new sets only", async () => {
      const f = await queueFixture(t, protocol, "dedup");
      const sweeps = t.client(SweepService, protocol);
      const list = { kind: { case: "list", value: { parameterSets: [{ a: 1, b: { x: 1, y: 2 } }, { b: { y: 2, x: 1 }, a: 1 }, { a: 2 }] } } } as unknown as SweepSpec;
      const created = await sweeps.createSweep({ projectId: f.project.id, task: { case: "taskName", value: "run" }, name: "d", spec: list });
      assert.equal(created.createdJobs, 2n);
      const extended = await sweeps.extendSweep({ sweep: { sweep: { case: "id", value: created.sweep!.id } }, spec: gridSpec({ a: [2, 3, 4] }) });
      assert.equal(extended.createdJobs, 2n);
      assert.equal(extended.skippedDuplicates, 1n);
      assert.equal(extended.sweep!.counts!.total, 4n);
    });

    it("cancels a sweep while a worker runs it, and retries its failed, blocked and cancelled jobs in one call", async () => {
      const f = await queueFixture(t, protocol, "steer");
      const sweeps = t.client(SweepService, protocol);
      const created = await sweeps.createSweep({ projectId: f.project.id, task: { case: "taskName", value: "run" }, name: "c", spec: gridSpec({ i: [1, 2, 3, 4] }), maxAttempts: 1 });
      const sweepRef = { sweep: { case: "id" as const, value: created.sweep!.id } };
      // A job outside the sweep depends on one of its jobs.
      const jobs = (await f.jobs.listJobs({ projectId: f.project.id, sweepId: created.sweep!.id })).jobs;
      const outside = await f.createJob({ dependsOn: [jobs[3]!.id] });
      const w = await f.registerWorker();
      const held = await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 2 });
      await f.workers.startJob({ jobId: held.jobs[0]!.id, workerId: w });
      await f.workers.finishJob({ jobId: held.jobs[1]!.id, workerId: w, success: false, exitCode: 1 });
      const cancelled = await sweeps.cancelSweep({ sweep: sweepRef, reason: "wrong data" });
      assert.deepEqual(new Set(cancelled.cancelledJobIds), new Set([held.jobs[0]!.id, jobs[2]!.id, jobs[3]!.id]));
      assert.equal(cancelled.sweep!.counts!.cancelled, 3n);
      assert.equal((await f.jobs.getJob({ id: outside })).job!.status, JobStatus.BLOCKED, "a dependent outside the sweep is blocked");
      // The running job's worker hears of it and acknowledges; until then the retry leaves that job alone.
      assert.deepEqual((await f.workers.heartbeat({ workerId: w })).cancelledJobIds, [held.jobs[0]!.id]);
      const early = await sweeps.retrySweep({ sweep: sweepRef });
      assert.deepEqual(early.skippedJobIds, [held.jobs[0]!.id]);
      assert.equal(early.retriedJobIds.length, 3);
      await f.workers.finishJob({ jobId: held.jobs[0]!.id, workerId: w, success: false, exitCode: 143 });
      const late = await sweeps.retrySweep({ sweep: sweepRef });
      assert.deepEqual(late.retriedJobIds, [held.jobs[0]!.id]);
      assert.equal(late.sweep!.counts!.pending, 4n);
      assert.equal((await f.jobs.getJob({ id: outside })).job!.status, JobStatus.PENDING, "its dependent is unblocked");
    });

    it("hands a worker with 10 minutes left only the jobs expected to fit", async () => {
      const f = await queueFixture(t, protocol, "walltime", { short: {}, long: {}, unknown: {} });
      const tasks = t.client(TaskService, protocol);
      await tasks.updateTask({ id: f.taskIds.short!, expectedDuration: minutes(5) });
      await tasks.updateTask({ id: f.taskIds.long!, expectedDuration: minutes(60) });
      const long = await f.createJob({ task: "long" });
      const short = await f.createJob({ task: "short" });
      const unknown = await f.createJob({ task: "unknown" });
      // A job of the long task may say it is short.
      const overridden = (await f.jobs.createJob({ projectId: f.project.id, task: { case: "taskName", value: "long" }, expectedDuration: minutes(2) })).job!;
      assert.equal(overridden.expectedDuration?.seconds, 120n);
      assert.equal((await f.jobs.getJob({ id: long })).job!.expectedDuration?.seconds, 3600n);
      const w = await f.registerWorker();
      const got = await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 10, availableTime: minutes(10) });
      assert.deepEqual(new Set(got.jobs.map((j) => j.id)), new Set([short, unknown, overridden.id]));
      const later = await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, maxJobs: 10 });
      assert.deepEqual(later.jobs.map((j) => j.id), [long], "without a limit the long job is handed out");
      await rejectsWith(f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id }, availableTime: create(DurationSchema, { seconds: -5n }) }), Code.InvalidArgument, /available_time must not be negative/);
    });

    it("returns a preempted job to the queue with its attempt unspent and its checkpoint for the next attempt", async () => {
      const f = await queueFixture(t, protocol, "preempt");
      const jobId = await f.createJob({ maxAttempts: 1 });
      const a = await f.registerWorker();
      const b = await f.registerWorker();
      const project = { case: "projectId" as const, value: f.project.id };
      await f.workers.fetchJob({ workerId: a, project });
      await f.workers.startJob({ jobId, workerId: a, command: "train --resume", acceleratorIds: ["0"] });
      const released = await f.workers.releaseJob({ jobId, workerId: a, reason: "SLURM requeue", preempted: true, checkpoint: "/ckpt/step-1200" });
      assert.equal(released.job!.status, JobStatus.PENDING);
      assert.equal(released.job!.attempts, 0);
      assert.equal(released.job!.checkpoint, "/ckpt/step-1200");
      assert.match(released.job!.message, /preempted on worker .*: SLURM requeue/);
      const next = await f.workers.fetchJob({ workerId: b, project });
      assert.equal(next.jobs[0]!.checkpoint, "/ckpt/step-1200");
      assert.equal(next.jobs[0]!.attempts, 1);
      const attempts = (await f.jobs.listJobAttempts({ jobId })).attempts;
      assert.deepEqual(
        attempts.map((x) => [x.number, x.workerId, x.outcome]),
        [
          [1, a, AttemptOutcome.PREEMPTED],
          [2, b, AttemptOutcome.CLAIMED],
        ],
      );
    });
  });
}

describe("provenance per attempt", () => {
  it("keeps three attempts of one job, each with its worker, host, times, command, accelerators, exit code, message and output", async () => {
    const f = await queueFixture(t, "connect", "provenance");
    const jobId = await f.createJob({ maxAttempts: 3 });
    const project = { case: "projectId" as const, value: f.project.id };
    const workers: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const w = (await f.workers.registerWorker({ id: `prov-${process.pid}-${i}`, name: `w${i}`, host: `node-${i}.cluster` })).worker!.id;
      workers.push(w);
      // Retries wait for their backoff; a long poll picks the job up once it ends.
      const got = await f.workers.fetchJob({ workerId: w, project, waitSeconds: 30 });
      assert.equal(got.jobs[0]?.id, jobId);
      await f.workers.startJob({ jobId, workerId: w, command: `python train.py --try ${i}`, acceleratorIds: [String(i - 1), String(i)] });
      await f.workers.finishJob({ jobId, workerId: w, success: i === 3, exitCode: i === 3 ? 0 : 10 + i, message: `try ${i}`, outputTail: `output of try ${i}\n` });
    }
    const attempts = (await f.jobs.listJobAttempts({ jobId })).attempts;
    assert.equal(attempts.length, 3);
    attempts.forEach((x, i) => {
      assert.equal(x.number, i + 1);
      assert.equal(x.workerId, workers[i]);
      assert.equal(x.workerName, `w${i + 1}`);
      assert.equal(x.workerHost, `node-${i + 1}.cluster`);
      assert.equal(x.command, `python train.py --try ${i + 1}`);
      assert.deepEqual(x.acceleratorIds, [String(i), String(i + 1)]);
      assert.equal(x.exitCode, i === 2 ? 0 : 11 + i);
      assert.equal(x.message, `try ${i + 1}`);
      assert.equal(x.outputTail, `output of try ${i + 1}\n`);
      assert.equal(x.outcome, i === 2 ? AttemptOutcome.COMPLETED : AttemptOutcome.FAILED);
      assert.ok(x.claimTime && x.startTime && x.finishTime);
    });
    const job = (await f.jobs.getJob({ id: jobId })).job!;
    assert.equal(job.status, JobStatus.COMPLETED);
    assert.equal(job.runs, 3);
    await rejectsWith(f.jobs.listJobAttempts({ jobId: 99_999_999n }), Code.NotFound, /job 99999999/);
  });
});
