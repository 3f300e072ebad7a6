import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { Code, type Client } from "@connectrpc/connect";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { JobService } from "../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../gen/whatsnext/v1/task_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { queueFixture } from "./support/queue-fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let t: TestServer;
let jobs: Client<typeof JobService>;
before(async () => {
  t = await startTestServer();
  jobs = t.client(JobService, "connect");
});
after(async () => {
  await t?.close();
});

/**
 * The dependency invariants, read straight from the server's database after
 * every test: the unmet counter equals the dependencies not COMPLETED, and no
 * PENDING job has a FAILED, CANCELLED or BLOCKED dependency.
 */
afterEach(async () => {
  const sql = t.server.app.db.sql;
  const wrongCounters = await sql.query<Record<string, unknown>>(
    `select j.id, j.unmet_dependencies, (select count(*) from job_dependency d join job p on p.id = d.depends_on_id
       where d.job_id = j.id and p.status <> 'completed')::int as actual from job j
     where j.unmet_dependencies <> (select count(*) from job_dependency d join job p on p.id = d.depends_on_id where d.job_id = j.id and p.status <> 'completed')`,
  );
  assert.deepEqual(wrongCounters, [], "unmet_dependencies matches the dependencies not COMPLETED");
  const pendingButBlocked = await sql.query<Record<string, unknown>>(
    `select j.id from job j where j.status = 'pending' and exists (select 1 from job_dependency d join job p on p.id = d.depends_on_id
       where d.job_id = j.id and p.status in ('failed', 'cancelled', 'blocked'))`,
  );
  assert.deepEqual(pendingButBlocked, [], "no PENDING job has a FAILED, CANCELLED or BLOCKED dependency");
  // A finish skips dependency work for jobs without the flag: every job something depends on must have it.
  const unflagged = await sql.query<Record<string, unknown>>(`select distinct d.depends_on_id from job_dependency d join job p on p.id = d.depends_on_id where not p.has_dependents`);
  assert.deepEqual(unflagged, [], "every job with a dependent is flagged has_dependents");
});

let counter = 0;
async function newProject() {
  const project = (await t.client(ProjectService, "connect").createProject({ name: `deps-${++counter}` })).project!;
  await t.client(TaskService, "connect").createTask({ projectId: project.id, name: "step" });
  const create = async (name: string, dependsOn: bigint[] = []) =>
    (await jobs.createJob({ projectId: project.id, task: { case: "taskName", value: "step" }, name, dependsOn })).job!;
  return { project, create };
}

async function statusOf(id: bigint): Promise<JobStatus> {
  return (await jobs.getJob({ id })).job!.status;
}

async function statuses(...ids: bigint[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => JobStatus[await statusOf(id)]));
}

describe("dependencies", () => {
  it("blocks a chain transitively when its head is cancelled and unblocks it on retry", async () => {
    const { create } = await newProject();
    const a = await create("a");
    const b = await create("b", [a.id]);
    const c = await create("c", [b.id]);
    assert.equal(b.status, JobStatus.PENDING);

    const cancelled = await jobs.cancelJob({ id: a.id, reason: "wrong data" });
    assert.equal(cancelled.job!.status, JobStatus.CANCELLED);
    assert.equal(cancelled.job!.message, "wrong data");
    assert.deepEqual([...cancelled.blockedJobIds].sort(), [b.id, c.id].sort());
    assert.deepEqual(await statuses(a.id, b.id, c.id), ["CANCELLED", "BLOCKED", "BLOCKED"]);

    const deps = await jobs.getJobDependencies({ id: b.id });
    assert.deepEqual(deps.dependencies.map((d) => [d.id, d.name, d.status]), [[a.id, "a", JobStatus.CANCELLED]]);
    assert.equal(deps.hasFailed, true);
    assert.equal(deps.allCompleted, false);

    const retried = await jobs.retryJob({ id: a.id });
    assert.equal(retried.job!.status, JobStatus.PENDING);
    assert.equal(retried.job!.attempts, 0);
    assert.deepEqual([...retried.unblockedJobIds].sort(), [b.id, c.id].sort());
    assert.deepEqual(await statuses(a.id, b.id, c.id), ["PENDING", "PENDING", "PENDING"]);
    const after = await jobs.getJobDependencies({ id: b.id });
    assert.equal(after.hasFailed, false);
  });

  it("fans out: every dependent of a cancelled job is blocked, and all come back", async () => {
    const { create } = await newProject();
    const root = await create("root");
    const leaves = await Promise.all(Array.from({ length: 12 }, (_, i) => create(`leaf-${i}`, [root.id])));
    const { blockedJobIds } = await jobs.cancelJob({ id: root.id });
    assert.equal(blockedJobIds.length, 12);
    assert.ok((await statuses(...leaves.map((l) => l.id))).every((s) => s === "BLOCKED"));
    const { unblockedJobIds } = await jobs.retryJob({ id: root.id });
    assert.equal(unblockedJobIds.length, 12);
    assert.ok((await statuses(...leaves.map((l) => l.id))).every((s) => s === "PENDING"));
  });

  it("keeps a fan-in job blocked until every blocking dependency is retried (diamond)", async () => {
    const { create } = await newProject();
    const top = await create("top");
    const left = await create("left", [top.id]);
    const right = await create("right", [top.id]);
    const bottom = await create("bottom", [left.id, right.id]);
    const below = await create("below", [bottom.id]);

    await jobs.cancelJob({ id: left.id });
    await jobs.cancelJob({ id: right.id });
    assert.deepEqual(await statuses(top.id, left.id, right.id, bottom.id, below.id), ["PENDING", "CANCELLED", "CANCELLED", "BLOCKED", "BLOCKED"]);

    const first = await jobs.retryJob({ id: left.id });
    assert.deepEqual(first.unblockedJobIds, [], "right is still cancelled");
    assert.deepEqual(await statuses(bottom.id, below.id), ["BLOCKED", "BLOCKED"]);
    const second = await jobs.retryJob({ id: right.id });
    assert.deepEqual([...second.unblockedJobIds].sort(), [bottom.id, below.id].sort());
    assert.deepEqual(await statuses(bottom.id, below.id), ["PENDING", "PENDING"]);

    // Cancelling the top blocks the whole diamond, once each.
    const { blockedJobIds } = await jobs.cancelJob({ id: top.id });
    assert.deepEqual([...blockedJobIds].sort(), [left.id, right.id, bottom.id, below.id].sort());
    const deps = await jobs.getJobDependencies({ id: bottom.id });
    assert.deepEqual(deps.dependencies.map((d) => d.id), [left.id, right.id]);
    assert.equal(deps.hasFailed, true);
  });

  it("creates a job BLOCKED when a dependency is cancelled or blocked, and refuses to retry it before its dependency", async () => {
    const { create } = await newProject();
    const a = await create("a");
    await jobs.cancelJob({ id: a.id });
    const b = await create("b", [a.id]);
    assert.equal(b.status, JobStatus.BLOCKED);
    const c = await create("c", [b.id]);
    assert.equal(c.status, JobStatus.BLOCKED);
    await rejectsWith(jobs.retryJob({ id: b.id }), Code.FailedPrecondition, new RegExp(`^job ${b.id} cannot go from BLOCKED to PENDING: its dependency job ${a.id} is CANCELLED`));
    await jobs.retryJob({ id: a.id });
    assert.deepEqual(await statuses(b.id, c.id), ["PENDING", "PENDING"]);
  });

  it("refuses cycles on update, naming the ids around the cycle", async () => {
    const { create } = await newProject();
    const a = await create("a");
    const b = await create("b", [a.id]);
    const c = await create("c", [b.id]);
    await rejectsWith(jobs.updateJob({ id: a.id, dependsOn: { ids: [c.id] } }), Code.InvalidArgument, new RegExp(`^depends_on would close the dependency cycle ${a.id} -> ${c.id} -> ${b.id} -> ${a.id}`));
    await rejectsWith(jobs.updateJob({ id: a.id, dependsOn: { ids: [a.id] } }), Code.InvalidArgument, /^depends_on job \d+ cannot depend on itself/);
    // Not a cycle: a diamond's extra edge.
    const d = await create("d");
    const updated = await jobs.updateJob({ id: c.id, dependsOn: { ids: [b.id, a.id, d.id] } });
    assert.deepEqual(updated.job!.dependsOn, [a.id, b.id, d.id].sort((x, y) => Number(x - y)));
  });

  it("lets only one of two concurrent updates close a cycle", async () => {
    const { create } = await newProject();
    for (let round = 0; round < 8; round++) {
      const x = await create(`x${round}`);
      const y = await create(`y${round}`);
      const results = await Promise.allSettled([
        jobs.updateJob({ id: x.id, dependsOn: { ids: [y.id] } }),
        jobs.updateJob({ id: y.id, dependsOn: { ids: [x.id] } }),
      ]);
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, `round ${round}: exactly one update wins`);
    }
  });

  it("replaces dependencies: blocks or unblocks the job and its dependents to match", async () => {
    const { project, create } = await newProject();
    const bad = await create("bad");
    await jobs.cancelJob({ id: bad.id });
    const good = await create("good");
    const job = await create("job", [good.id]);
    const child = await create("child", [job.id]);

    const blocked = await jobs.updateJob({ id: job.id, dependsOn: { ids: [good.id, bad.id] }, priority: 9 });
    assert.equal(blocked.job!.status, JobStatus.BLOCKED);
    assert.equal(blocked.job!.priority, 9);
    assert.equal(await statusOf(child.id), JobStatus.BLOCKED);

    const freed = await jobs.updateJob({ id: job.id, dependsOn: { ids: [] }, parameters: { lr: 3 } });
    assert.equal(freed.job!.status, JobStatus.PENDING);
    assert.deepEqual(freed.job!.dependsOn, []);
    assert.deepEqual(freed.job!.parameters, { lr: 3 });
    assert.equal(await statusOf(child.id), JobStatus.PENDING);

    // Priority alone leaves dependencies alone.
    const same = await jobs.updateJob({ id: child.id, priority: -1 });
    assert.deepEqual(same.job!.dependsOn, [job.id]);

    const other = await newProject();
    const foreign = await other.create("foreign");
    await rejectsWith(jobs.updateJob({ id: job.id, dependsOn: { ids: [foreign.id] } }), Code.InvalidArgument, new RegExp(`^depends_on job ${foreign.id} is in project`));
    await rejectsWith(jobs.updateJob({ id: bad.id, priority: 1 }), Code.FailedPrecondition, new RegExp(`^job ${bad.id} is CANCELLED: only a PENDING or BLOCKED job can be updated`));
    await rejectsWith(jobs.updateJob({ id: 987654321n, priority: 1 }), Code.NotFound, /job 987654321 not found/);
    await rejectsWith(jobs.updateJob({ id: job.id, parameters: { x: "y".repeat(70_000) } }), Code.InvalidArgument, /^parameters must be at most/);
    assert.ok(project);
  });

  it("deleting a dependency frees its dependents instead of blocking them", async () => {
    const { create } = await newProject();
    const a = await create("a");
    const b = await create("b", [a.id]);
    const c = await create("c", [b.id]);
    await jobs.cancelJob({ id: a.id });
    assert.deepEqual(await statuses(b.id, c.id), ["BLOCKED", "BLOCKED"]);
    await jobs.deleteJob({ id: a.id });
    assert.deepEqual(await statuses(b.id, c.id), ["PENDING", "PENDING"]);
    assert.deepEqual((await jobs.getJob({ id: b.id })).job!.dependsOn, []);
    await rejectsWith(jobs.getJob({ id: a.id }), Code.NotFound);

    // A pending dependency deleted: the dependent keeps its other dependencies.
    const p = await create("p");
    const q = await create("q");
    const r = await create("r", [p.id, q.id]);
    await jobs.deleteJob({ id: p.id });
    const deps = await jobs.getJobDependencies({ id: r.id });
    assert.deepEqual(deps.dependencies.map((d) => d.id), [q.id]);
    await rejectsWith(jobs.deleteJob({ id: p.id }), Code.NotFound);
  });

  it("ClearQueue deletes PENDING jobs only and leaves their dependents consistent", async () => {
    const { project, create } = await newProject();
    const a = await create("a");
    const x = await create("x");
    await jobs.cancelJob({ id: x.id });
    const blockedByX = await create("by-x", [x.id, a.id]);
    const { deleted } = await jobs.clearQueue({ projectId: project.id });
    assert.equal(deleted, 1n, "only a was PENDING");
    assert.deepEqual(await statuses(x.id, blockedByX.id), ["CANCELLED", "BLOCKED"]);
    assert.deepEqual((await jobs.getJobDependencies({ id: blockedByX.id })).dependencies.map((d) => d.id), [x.id]);
  });

  it("creates batches whose dependencies are existing jobs and earlier items, blocked where they must be", async () => {
    const { project, create } = await newProject();
    const cancelled = await create("cancelled");
    await jobs.cancelJob({ id: cancelled.id });
    const task = { case: "taskName" as const, value: "step" };
    const { jobIds } = await jobs.batchCreateJobs({
      projectId: project.id,
      jobs: [
        { task, name: "ok" },
        { task, name: "stuck", dependsOn: [cancelled.id] },
        { task, name: "after-stuck", dependsOnNames: ["stuck", "ok"] },
        { task, name: "after-ok", dependsOnNames: ["ok"] },
      ],
    });
    assert.deepEqual(await statuses(...jobIds), ["PENDING", "BLOCKED", "BLOCKED", "PENDING"]);
    const { unblockedJobIds } = await jobs.retryJob({ id: cancelled.id });
    assert.deepEqual([...unblockedJobIds].sort(), [jobIds[1]!, jobIds[2]!].sort());
  });

  it("creates large batches with chained names in one call", async () => {
    const { project } = await newProject();
    const task = { case: "taskName" as const, value: "step" };
    const items = Array.from({ length: 2000 }, (_, i) => ({ task, name: `n${i}`, parameters: { i }, dependsOnNames: i > 0 ? [`n${i - 1}`] : [] }));
    const { jobIds } = await jobs.batchCreateJobs({ projectId: project.id, jobs: items });
    assert.equal(jobIds.length, 2000);
    assert.deepEqual((await jobs.getJob({ id: jobIds[1999]! })).job!.dependsOn, [jobIds[1998]]);
    const { blockedJobIds } = await jobs.cancelJob({ id: jobIds[0]! });
    assert.equal(blockedJobIds.length, 1999);
    const stats = await jobs.getQueueStats({ projectId: project.id });
    assert.equal(stats.blocked, 1999n);
    const { unblockedJobIds } = await jobs.retryJob({ id: jobIds[0]! });
    assert.equal(unblockedJobIds.length, 1999, "the whole chain is freed, however deep");
    assert.equal((await jobs.getQueueStats({ projectId: project.id })).pending, 2000n);
  });

  it("keeps counters right when dependents are created while their dependency completes or fails", async () => {
    for (const success of [true, false]) {
      const f = await queueFixture(t, "connect", `race-${success}`);
      const dep = await f.createJob({ name: "dep", maxAttempts: 1 });
      const w = await f.registerWorker();
      await f.workers.fetchJob({ workerId: w, project: { case: "projectId", value: f.project.id } });
      await f.workers.startJob({ jobId: dep, workerId: w });
      // 30 creates race the finish; each dependent must end up counted exactly once
      // (checked by afterEach against the database) and blocked iff the dependency failed.
      const creates = Array.from({ length: 30 }, (_, i) => f.createJob({ name: `d${i}`, dependsOn: [dep] }));
      const finish = f.workers.finishJob({ jobId: dep, workerId: w, success, exitCode: success ? 0 : 1 });
      const ids = await Promise.all(creates);
      await finish;
      const got = await statuses(...ids);
      assert.ok(got.every((s) => s === (success ? "PENDING" : "BLOCKED")), `${success ? "completed" : "failed"} dependency: ${got.join(",")}`);
    }
  });

  it("never loses the first dependent of a job finishing at that moment, whichever way it is added", async () => {
    // A job nobody depends on is finished by one statement with no dependency work. Its
    // first dependent, added while it finishes (by CreateJob, by BatchCreateJobs or by
    // UpdateJob), must still be counted as met or released: 25 rounds of each, on fresh jobs.
    const f = await queueFixture(t, "grpc-js", "first-dependent");
    const w = await f.registerWorker();
    const project = { case: "projectId" as const, value: f.project.id };
    for (let round = 0; round < 25; round++) {
      const heads = [await f.createJob({ name: `head-${round}-a` }), await f.createJob({ name: `head-${round}-b` }), await f.createJob({ name: `head-${round}-c` })];
      const waiting = await f.createJob({ name: `waiting-${round}` });
      const claimed = await f.workers.fetchJob({ workerId: w, project, maxJobs: 10, start: true });
      assert.deepEqual(claimed.jobs.map((j) => j.id).sort(), [...heads, waiting].sort());
      // The waiting job goes back to the queue unclaimed (released) so UpdateJob may change it.
      await f.workers.releaseJob({ jobId: waiting, workerId: w });
      const success = round % 5 !== 4;
      const [created, batch, updated, finished] = await Promise.all([
        f.createJob({ name: `by-create-${round}`, dependsOn: [heads[0]!] }),
        f.jobs.batchCreateJobs({ projectId: f.project.id, jobs: [{ task: { case: "taskName", value: "run" }, name: `by-batch-${round}`, dependsOn: [heads[1]!] }] }),
        f.jobs.updateJob({ id: waiting, dependsOn: { ids: [heads[2]!] } }),
        f.workers.finishJobs({ workerId: w, outcomes: heads.map((jobId) => ({ jobId, success, exitCode: success ? 0 : 1 })) }),
      ]);
      assert.deepEqual(finished.results.map((r) => r.errorMessage), ["", "", ""], "every finish stored");
      const dependents = [created, batch.jobIds[0]!, updated.job!.id];
      assert.deepEqual(await statuses(...dependents), dependents.map(() => (success ? "PENDING" : "BLOCKED")), `round ${round}`);
      // Drain what is claimable so the next round claims only its own jobs.
      if (success) {
        const next = await f.workers.fetchJob({ workerId: w, project, maxJobs: 10, start: true });
        assert.deepEqual(next.jobs.map((j) => j.id).sort(), [...dependents].sort(), `round ${round}: the released dependents are claimable`);
        await f.workers.finishJobs({ workerId: w, outcomes: next.jobs.map((j) => ({ jobId: j.id, success: true })) });
      } else {
        await f.jobs.cancelJob({ id: created }).catch(() => undefined);
      }
    }
  });

  it("finishes a batch that mixes jobs with and without dependents, and a repeated finish, in one call", async () => {
    const f = await queueFixture(t, "connect", "mixed-finish");
    const w = await f.registerWorker();
    const plain = await f.createJob({ name: "plain" });
    const head = await f.createJob({ name: "head" });
    const again = await f.createJob({ name: "again" });
    const tail = await f.createJob({ name: "tail", dependsOn: [head] });
    const project = { case: "projectId" as const, value: f.project.id };
    const claimed = await f.workers.fetchJob({ workerId: w, project, maxJobs: 10, start: true });
    assert.deepEqual(claimed.jobs.map((j) => j.id).sort(), [plain, head, again].sort());
    await f.workers.finishJob({ jobId: again, workerId: w, success: true, exitCode: 0 });
    const res = await f.workers.finishJobs({
      workerId: w,
      outcomes: [
        { jobId: plain, success: true, exitCode: 0 },
        { jobId: head, success: true, exitCode: 0 },
        { jobId: again, success: true, exitCode: 0 },
        { jobId: 987_654_321n, success: true },
      ],
    });
    assert.deepEqual(
      res.results.map((r) => [r.jobId, r.errorCode]),
      [
        [plain, ""],
        [head, ""],
        [again, ""],
        [987_654_321n, "not_found"],
      ],
    );
    assert.deepEqual(await statuses(plain, head, again, tail), ["COMPLETED", "COMPLETED", "COMPLETED", "PENDING"], "the dependent of the job with dependents is released");
  });
});
