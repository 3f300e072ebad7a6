import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { JobEventType, JobService, type WatchJobsResponse } from "../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../gen/whatsnext/v1/task_pb.js";
import { PROTOCOLS, startTestServer, type TestServer } from "./support/test-server.js";

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t?.close();
});

for (const protocol of PROTOCOLS) {
  describe(`WatchJobs over ${protocol}`, () => {
    it("streams created, updated and deleted jobs of the project, and nothing of others", async () => {
      const jobs = t.client(JobService, protocol);
      const project = (await t.client(ProjectService, protocol).createProject({ name: `watch-${protocol}` })).project!;
      const other = (await t.client(ProjectService, protocol).createProject({ name: `watch-other-${protocol}` })).project!;
      await t.client(TaskService, protocol).createTask({ projectId: project.id, name: "step" });
      await t.client(TaskService, protocol).createTask({ projectId: other.id, name: "step" });
      const task = { case: "taskName" as const, value: "step" };
      const probe = (await jobs.createJob({ projectId: project.id, task, name: "probe" })).job!;

      const ac = new AbortController();
      const stream = jobs.watchJobs({ projectId: project.id }, { signal: ac.signal })[Symbol.asyncIterator]();
      let pending = stream.next();
      const take = async (): Promise<WatchJobsResponse> => {
        const r = await pending;
        assert.ok(!r.done, "the stream ended early");
        pending = stream.next();
        return r.value;
      };
      // The subscription is live once a change made after the call opened reaches us:
      // touch the probe until one arrives (each touch is a full round trip, no timers).
      for (let priority = 1; ; priority++) {
        const first = await Promise.race([pending.then(() => "event"), jobs.updateJob({ id: probe.id, priority }).then(() => "touched")]);
        if (first === "event") break;
      }
      /** The next event about a job other than the probe. */
      const next = async (): Promise<WatchJobsResponse> => {
        for (;;) {
          const e = await take();
          if (e.job?.id !== probe.id) return e;
        }
      };

      await jobs.createJob({ projectId: other.id, task, name: "elsewhere" });
      const a = (await jobs.createJob({ projectId: project.id, task, name: "a", parameters: { k: "v" } })).job!;
      const created = await next();
      assert.equal(created.type, JobEventType.CREATED);
      assert.equal(created.job!.id, a.id, "the other project's job is not streamed");
      assert.equal(created.job!.status, JobStatus.PENDING);
      assert.equal(created.job!.taskName, "step");
      assert.deepEqual(created.job!.parameters, { k: "v" });

      const b = (await jobs.createJob({ projectId: project.id, task, name: "b", dependsOn: [a.id] })).job!;
      assert.equal((await next()).job!.id, b.id);

      await jobs.cancelJob({ id: a.id });
      const seen = new Map<bigint, WatchJobsResponse>();
      for (let i = 0; i < 2; i++) {
        const e = await next();
        seen.set(e.job!.id, e);
      }
      assert.equal(seen.get(a.id)?.type, JobEventType.UPDATED);
      assert.equal(seen.get(a.id)?.job?.status, JobStatus.CANCELLED);
      assert.equal(seen.get(b.id)?.job?.status, JobStatus.BLOCKED, "the blocked dependent is streamed too");

      await jobs.updateJob({ id: b.id, priority: 42 });
      const updated = await next();
      assert.equal(updated.job!.id, b.id);
      assert.equal(updated.job!.priority, 42);

      await jobs.deleteJob({ id: a.id });
      const events = [await next(), await next()];
      const deleted = events.find((e) => e.type === JobEventType.DELETED)!;
      assert.equal(deleted.job!.id, a.id);
      assert.equal(deleted.job!.projectId, project.id);
      const freed = events.find((e) => e.type === JobEventType.UPDATED)!;
      assert.equal(freed.job!.id, b.id);
      assert.equal(freed.job!.status, JobStatus.PENDING, "deleting the cancelled dependency frees b");

      const { jobIds } = await jobs.batchCreateJobs({ projectId: project.id, jobs: [{ task, name: "x" }, { task, name: "y", dependsOnNames: ["x"] }] });
      const batch = [await next(), await next()];
      assert.deepEqual(
        batch.map((e) => [e.type, e.job!.id]),
        jobIds.map((id) => [JobEventType.CREATED, id]),
      );

      // Going away ends the stream on the client (as Canceled, or as a plain end on grpc-js).
      ac.abort();
      const end = await pending.then(
        (r) => (r.done ? "done" : "event"),
        (err: unknown) => Code[ConnectError.from(err).code],
      );
      assert.ok(end === "done" || end === "Canceled", `stream ended with ${end}`);
    });

    it("answers NotFound for a project that does not exist", async () => {
      const jobs = t.client(JobService, protocol);
      await assert.rejects(
        (async () => {
          for await (const _ of jobs.watchJobs({ projectId: 987654321n })) assert.fail("no event expected");
        })(),
        (err: unknown) => ConnectError.from(err).code === Code.NotFound && /project 987654321/.test(ConnectError.from(err).rawMessage),
      );
    });

    it("with confirm_subscription, first says the watch is in place; every change after that arrives", async () => {
      const jobs = t.client(JobService, protocol);
      const project = (await t.client(ProjectService, protocol).createProject({ name: `watch-confirmed-${protocol}` })).project!;
      await t.client(TaskService, protocol).createTask({ projectId: project.id, name: "step" });
      const ac = new AbortController();
      const stream = jobs.watchJobs({ projectId: project.id, confirmSubscription: true }, { signal: ac.signal })[Symbol.asyncIterator]();
      try {
        const first = await stream.next();
        assert.ok(!first.done);
        assert.equal(first.value.type, JobEventType.SUBSCRIBED);
        assert.equal(first.value.job, undefined);
        // No probing needed: a job created right after the confirmation is delivered.
        const created = (await jobs.createJob({ projectId: project.id, task: { case: "taskName", value: "step" }, name: "after-confirmation" })).job!;
        const next = await stream.next();
        assert.ok(!next.done);
        assert.equal(next.value.type, JobEventType.CREATED);
        assert.equal(next.value.job?.id, created.id);
      } finally {
        ac.abort();
        await stream.return?.().catch(() => undefined);
      }
    });
  });
}
