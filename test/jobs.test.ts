import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { JobStatus, ProjectStatus } from "../gen/whatsnext/v1/common_pb.js";
import { JobService } from "../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../gen/whatsnext/v1/task_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { PROTOCOLS, startTestServer, type Protocol, type TestServer } from "./support/test-server.js";

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t?.close();
});

/** A fresh project with one task "train" (2 CPUs, 1 accelerator) for a test. */
async function projectWithTask(protocol: Protocol, name: string) {
  const projects = t.client(ProjectService, protocol);
  const tasks = t.client(TaskService, protocol);
  const project = (await projects.createProject({ name: `${name}-${protocol}` })).project!;
  const task = (await tasks.createTask({ projectId: project.id, name: "train", commandTemplate: "train --id {job_id}", requiredCpu: 2, requiredAccelerators: 1 }))
    .task!;
  return { project, task, projects, tasks, jobs: t.client(JobService, protocol) };
}

for (const protocol of PROTOCOLS) {
  describe(`jobs over ${protocol}`, () => {
    it("creates a job by task name or id, copies the task's requirements, and reads it back", async () => {
      const { project, task, jobs } = await projectWithTask(protocol, "create");
      const created = await jobs.createJob({
        projectId: project.id,
        task: { case: "taskName", value: "train" },
        name: "run-1",
        parameters: { lr: 0.1, tags: ["a", "b"], nested: { x: null } },
        priority: -7,
      });
      assert.equal(created.existing, false);
      const job = created.job!;
      assert.equal(job.status, JobStatus.PENDING);
      assert.equal(job.taskName, "train");
      assert.equal(job.taskId, task.id);
      assert.equal(job.maxAttempts, 1);
      assert.equal(job.requiredCpu, 2);
      assert.equal(job.requiredAccelerators, 1);
      assert.equal(job.commandTemplate, "train --id {job_id}");
      assert.equal(job.priority, -7);
      assert.deepEqual(job.parameters, { lr: 0.1, tags: ["a", "b"], nested: { x: null } });
      assert.ok(job.createTime);

      const byId = await jobs.createJob({ projectId: project.id, task: { case: "taskId", value: task.id }, maxAttempts: 5, priority: 2147483647 });
      assert.equal(byId.job!.maxAttempts, 5);
      assert.equal(byId.job!.priority, 2147483647);
      assert.equal(byId.job!.name, "");

      const got = (await jobs.getJob({ id: job.id })).job!;
      assert.equal(got.name, "run-1");
      assert.equal(got.taskName, "train");
      assert.deepEqual(got.parameters, job.parameters);
      assert.deepEqual(got.dependsOn, []);
    });

    it("refuses what cannot be created, naming the field or the entity", async () => {
      const { project, task, projects, tasks, jobs } = await projectWithTask(protocol, "refuse");
      const base = { projectId: project.id, task: { case: "taskName" as const, value: "train" } };
      const other = await projectWithTask(protocol, "refuse-other");
      const foreign = (await other.jobs.createJob({ projectId: other.project.id, task: { case: "taskName", value: "train" } })).job!;

      await rejectsWith(jobs.createJob({ ...base, projectId: 0n }), Code.InvalidArgument, /^project_id must be a positive id/);
      await rejectsWith(jobs.createJob({ ...base, projectId: 987654321n }), Code.NotFound, /project 987654321/);
      await rejectsWith(jobs.createJob({ projectId: project.id }), Code.InvalidArgument, /^task is required/);
      await rejectsWith(jobs.createJob({ ...base, task: { case: "taskName", value: "nope" } }), Code.NotFound, /task "nope"/);
      await rejectsWith(jobs.createJob({ ...base, task: { case: "taskId", value: 987654321n } }), Code.NotFound, /task 987654321/);
      await rejectsWith(jobs.createJob({ ...base, task: { case: "taskId", value: other.task.id } }), Code.InvalidArgument, /^task_id task \d+ is in project/);
      await rejectsWith(jobs.createJob({ ...base, maxAttempts: 101 }), Code.InvalidArgument, /^max_attempts must be between 1 and 100, got 101/);
      await rejectsWith(jobs.createJob({ ...base, maxAttempts: -1 }), Code.InvalidArgument, /^max_attempts/);
      await rejectsWith(jobs.createJob({ ...base, name: "x".repeat(300) }), Code.InvalidArgument, /^name must be at most 256/);
      await rejectsWith(jobs.createJob({ ...base, name: "a\nb" }), Code.InvalidArgument, /^name must not contain control/);
      await rejectsWith(jobs.createJob({ ...base, parameters: { blob: "x".repeat(70_000) } }), Code.InvalidArgument, /^parameters must be at most 65536 bytes/);
      await rejectsWith(jobs.createJob({ ...base, idempotencyKey: "k".repeat(300) }), Code.InvalidArgument, /^idempotency_key must be at most 256/);
      await rejectsWith(jobs.createJob({ ...base, dependsOn: [0n] }), Code.InvalidArgument, /^depends_on\[0\] must be a positive id/);
      await rejectsWith(jobs.createJob({ ...base, dependsOn: [987654321n] }), Code.NotFound, /depends_on: job 987654321 not found/);
      await rejectsWith(jobs.createJob({ ...base, dependsOn: [foreign.id] }), Code.InvalidArgument, new RegExp(`^depends_on job ${foreign.id} is in project`));
      const dep = (await jobs.createJob(base)).job!;
      await rejectsWith(jobs.createJob({ ...base, dependsOn: [dep.id, dep.id] }), Code.InvalidArgument, new RegExp(`^depends_on names job ${dep.id} twice`));
      await rejectsWith(
        jobs.createJob({ ...base, dependsOn: Array.from({ length: 1001 }, (_, i) => BigInt(i + 1)) }),
        Code.InvalidArgument,
        /^depends_on must list at most 1000/,
      );

      await projects.updateProject({ id: project.id, status: ProjectStatus.ARCHIVED });
      await rejectsWith(jobs.createJob(base), Code.FailedPrecondition, /archived/);
      await projects.updateProject({ id: project.id, status: ProjectStatus.ACTIVE });
      assert.ok((await jobs.createJob(base)).job);
      assert.ok(task);
      assert.ok(tasks);
      await rejectsWith(jobs.getJob({ id: 987654321n }), Code.NotFound, /job 987654321 not found/);
    });

    it("returns the existing job for a repeated idempotency key, also under concurrent creates", async () => {
      const { project, jobs } = await projectWithTask(protocol, "idem");
      const req = { projectId: project.id, task: { case: "taskName" as const, value: "train" }, idempotencyKey: "sweep-1/run-1", parameters: { a: 1 } };
      const first = await jobs.createJob(req);
      const again = await jobs.createJob({ ...req, parameters: { a: 2 } });
      assert.equal(first.existing, false);
      assert.equal(again.existing, true);
      assert.equal(again.job!.id, first.job!.id);
      assert.deepEqual(again.job!.parameters, { a: 1 });

      const results = await Promise.all(Array.from({ length: 24 }, () => jobs.createJob({ ...req, idempotencyKey: "race" })));
      const ids = new Set(results.map((r) => r.job!.id));
      assert.equal(ids.size, 1, "one job for one key");
      assert.equal(results.filter((r) => !r.existing).length, 1, "exactly one create reports a new job");
      const listed = await jobs.listJobs({ projectId: project.id, pageSize: 1000 });
      assert.equal(listed.jobs.length, 2);
    });

    it("answers each of many concurrent creates on its own, good and bad mixed, in two projects", async () => {
      const a = await projectWithTask(protocol, "together-a");
      const b = await projectWithTask(protocol, "together-b");
      await a.jobs.createJob({ projectId: a.project.id, task: { case: "taskName", value: "train" }, idempotencyKey: "taken" });
      const archived = await projectWithTask(protocol, "together-archived");
      await archived.projects.updateProject({ id: archived.project.id, status: ProjectStatus.ARCHIVED });
      type Outcome = { kind: "ok"; project: bigint; i: number } | { kind: "code"; code: Code };
      const calls: Array<{ call: Promise<unknown>; expect: Outcome }> = [];
      for (let i = 0; i < 40; i++) {
        const target = i % 2 === 0 ? a : b;
        const byId = i % 3 === 0;
        const task = byId ? { case: "taskId" as const, value: target.task.id } : { case: "taskName" as const, value: "train" };
        calls.push({ call: target.jobs.createJob({ projectId: target.project.id, task, parameters: { i } }), expect: { kind: "ok", project: target.project.id, i } });
        if (i % 10 === 0) {
          calls.push({ call: a.jobs.createJob({ projectId: a.project.id, task: { case: "taskName", value: "no-such-task" } }), expect: { kind: "code", code: Code.NotFound } });
          calls.push({ call: a.jobs.createJob({ projectId: a.project.id, task: { case: "taskId", value: b.task.id } }), expect: { kind: "code", code: Code.InvalidArgument } });
          calls.push({ call: archived.jobs.createJob({ projectId: archived.project.id, task: { case: "taskName", value: "train" } }), expect: { kind: "code", code: Code.FailedPrecondition } });
        }
      }
      const taken = a.jobs.createJob({ projectId: a.project.id, task: { case: "taskName", value: "train" }, idempotencyKey: "taken" });
      const settled = await Promise.allSettled(calls.map((c) => c.call));
      settled.forEach((r, k) => {
        const expect = calls[k]!.expect;
        if (expect.kind === "ok") {
          assert.equal(r.status, "fulfilled", `call ${k} should succeed: ${r.status === "rejected" ? String(r.reason) : ""}`);
          const { job, existing } = (r as PromiseFulfilledResult<{ job: { projectId: bigint; parameters: unknown; status: JobStatus; requiredCpu: number }; existing: boolean }>).value;
          assert.equal(existing, false);
          assert.equal(job.projectId, expect.project);
          assert.deepEqual(job.parameters, { i: expect.i }, "each caller gets its own job");
          assert.equal(job.status, JobStatus.PENDING);
          assert.equal(job.requiredCpu, 2, "the task's requirements are copied");
        } else {
          assert.equal(r.status, "rejected", `call ${k} should fail`);
          assert.equal((r as PromiseRejectedResult).reason.code, expect.code);
        }
      });
      assert.equal((await taken).existing, true, "a used idempotency key still returns the existing job");
      const listed = await a.jobs.listJobs({ projectId: a.project.id, pageSize: 1000 });
      assert.equal(listed.jobs.length, 21, "20 new jobs and the keyed one, nothing else");
    });

    it("lists jobs with status and task filters, page by page", async () => {
      const { project, tasks, jobs } = await projectWithTask(protocol, "list");
      await tasks.createTask({ projectId: project.id, name: "eval" });
      const ids: bigint[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push((await jobs.createJob({ projectId: project.id, task: { case: "taskName", value: i % 2 ? "eval" : "train" }, name: `j${i}` })).job!.id);
      }
      await jobs.cancelJob({ id: ids[0]! });
      await jobs.cancelJob({ id: ids[3]! });

      const seen: bigint[] = [];
      let pageToken = "";
      let pages = 0;
      do {
        const page = await jobs.listJobs({ projectId: project.id, pageSize: 3, pageToken });
        assert.ok(page.jobs.length <= 3);
        seen.push(...page.jobs.map((j) => j.id));
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken);
      assert.deepEqual(seen, ids);
      assert.equal(pages, 3);

      const cancelled = await jobs.listJobs({ projectId: project.id, statuses: [JobStatus.CANCELLED] });
      assert.deepEqual(cancelled.jobs.map((j) => j.id), [ids[0], ids[3]]);
      const evalPending = await jobs.listJobs({ projectId: project.id, statuses: [JobStatus.PENDING], taskName: "eval" });
      assert.deepEqual(evalPending.jobs.map((j) => j.id), [ids[1], ids[5]]);
      const both = await jobs.listJobs({ projectId: project.id, statuses: [JobStatus.PENDING, JobStatus.CANCELLED], taskName: "train" });
      assert.deepEqual(both.jobs.map((j) => j.id), [ids[0], ids[2], ids[4], ids[6]]);
      assert.equal((await jobs.listJobs({ projectId: project.id, taskName: "none" })).jobs.length, 0);

      await rejectsWith(jobs.listJobs({}), Code.InvalidArgument, /^project_id/);
      await rejectsWith(jobs.listJobs({ projectId: 987654321n }), Code.NotFound, /project 987654321/);
      await rejectsWith(jobs.listJobs({ projectId: project.id, pageSize: 1001 }), Code.InvalidArgument, /^page_size must be between 1 and 1000, got 1001/);
      await rejectsWith(jobs.listJobs({ projectId: project.id, pageToken: "junk" }), Code.InvalidArgument, /^page_token/);
      await rejectsWith(jobs.listJobs({ projectId: project.id, statuses: [JobStatus.UNSPECIFIED] }), Code.InvalidArgument, /^statuses\[0\]/);
    });

    it("creates a batch with dependencies by name, and nothing when one item is bad", async () => {
      const { project, jobs } = await projectWithTask(protocol, "batch");
      const existing = (await jobs.createJob({ projectId: project.id, task: { case: "taskName", value: "train" }, name: "prep" })).job!;
      const task = { case: "taskName" as const, value: "train" };
      const { jobIds } = await jobs.batchCreateJobs({
        projectId: project.id,
        jobs: [
          { task, name: "a", parameters: { i: 0 }, dependsOn: [existing.id] },
          { task, name: "b", dependsOnNames: ["a"] },
          { task, name: "c", dependsOnNames: ["a"], priority: 5 },
          { task, name: "d", dependsOnNames: ["b", "c"], maxAttempts: 3 },
        ],
      });
      assert.equal(jobIds.length, 4);
      const d = (await jobs.getJob({ id: jobIds[3]! })).job!;
      assert.deepEqual(d.dependsOn, [jobIds[1], jobIds[2]]);
      assert.equal(d.maxAttempts, 3);
      assert.equal(d.requiredCpu, 2);
      const a = (await jobs.getJob({ id: jobIds[0]! })).job!;
      assert.deepEqual(a.dependsOn, [existing.id]);
      assert.deepEqual(a.parameters, { i: 0 });

      const before = (await jobs.listJobs({ projectId: project.id, pageSize: 1000 })).jobs.length;
      const bad: Array<{ task: typeof task; name: string; parameters: Record<string, string | number> }> = Array.from({ length: 30 }, (_, i) => ({ task, name: `x${i}`, parameters: { i } }));
      bad[17] = { task, name: "x17", parameters: { blob: "y".repeat(70_000) } };
      await rejectsWith(jobs.batchCreateJobs({ projectId: project.id, jobs: bad }), Code.InvalidArgument, /^jobs\[17\]\.parameters must be at most/);
      const unknownTask = [{ task, name: "ok" }, { task: { case: "taskName" as const, value: "missing" }, name: "bad" }];
      await rejectsWith(jobs.batchCreateJobs({ projectId: project.id, jobs: unknownTask }), Code.NotFound, /^jobs\[1\]\.task_name: task "missing"/);
      const forward = [
        { task, name: "p", dependsOnNames: ["q"] },
        { task, name: "q", dependsOnNames: ["p"] },
      ];
      await rejectsWith(jobs.batchCreateJobs({ projectId: project.id, jobs: forward }), Code.InvalidArgument, /^jobs\[0\]\.depends_on_names "q" is jobs\[1\]/);
      const self = [{ task, name: "s", dependsOnNames: ["s"] }];
      await rejectsWith(jobs.batchCreateJobs({ projectId: project.id, jobs: self }), Code.InvalidArgument, /^jobs\[0\]\.depends_on_names "s"/);
      const unknownName = [{ task, name: "u" }, { task, name: "v", dependsOnNames: ["nobody"] }];
      await rejectsWith(jobs.batchCreateJobs({ projectId: project.id, jobs: unknownName }), Code.InvalidArgument, /^jobs\[1\]\.depends_on_names "nobody" is not/);
      const badDep = [{ task, name: "w" }, { task, name: "z", dependsOn: [987654321n] }];
      await rejectsWith(jobs.batchCreateJobs({ projectId: project.id, jobs: badDep }), Code.NotFound, /^jobs\[1\]\.depends_on: job 987654321/);
      await rejectsWith(jobs.batchCreateJobs({ projectId: project.id, jobs: [] }), Code.InvalidArgument, /^jobs must hold between 1 and 10000 items, got 0/);
      const after = (await jobs.listJobs({ projectId: project.id, pageSize: 1000 })).jobs.length;
      assert.equal(after, before, "a refused batch creates nothing");
    });

    it("counts jobs per status and clears the PENDING ones", async () => {
      const { project, jobs } = await projectWithTask(protocol, "stats");
      const task = { case: "taskName" as const, value: "train" };
      const { jobIds } = await jobs.batchCreateJobs({ projectId: project.id, jobs: Array.from({ length: 6 }, (_, i) => ({ task, name: `s${i}` })) });
      await jobs.cancelJob({ id: jobIds[0]! });
      const blockedChild = (await jobs.createJob({ projectId: project.id, task, dependsOn: [jobIds[0]!] })).job!;
      assert.equal(blockedChild.status, JobStatus.BLOCKED);
      const stats = await jobs.getQueueStats({ projectId: project.id });
      assert.equal(stats.pending, 5n);
      assert.equal(stats.cancelled, 1n);
      assert.equal(stats.blocked, 1n);
      assert.equal(stats.total, 7n);
      assert.equal(stats.running, 0n);
      assert.ok(stats.registeredWorkers >= stats.activeWorkers);

      const cleared = await jobs.clearQueue({ projectId: project.id });
      assert.equal(cleared.deleted, 5n);
      const after = await jobs.getQueueStats({ projectId: project.id });
      assert.equal(after.pending, 0n);
      assert.equal(after.total, 2n);
      await rejectsWith(jobs.getQueueStats({ projectId: 987654321n }), Code.NotFound, /project 987654321/);
      await rejectsWith(jobs.clearQueue({ projectId: 987654321n }), Code.NotFound, /project 987654321/);
    });
  });
}
