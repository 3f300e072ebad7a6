import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { FinishOutcome, WorkerService } from "../gen/whatsnext/v1/worker_pb.js";
import { queueFixture } from "./support/queue-fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { openWork } from "./support/work-stream.js";
import { testSecret } from "./security/security-fixture.js";

/** The Work stream over gRPC (grpc-js and connect-node) and Connect over HTTP/2: the protocols that carry a bidirectional stream. */
const STACKS = ["grpc-js", "connect-node gRPC", "connect-node Connect h2"] as const;
type Stack = (typeof STACKS)[number];

let t: TestServer;
before(async () => {
  t = await startTestServer({ WHATSNEXT_LEASE_SECONDS: "3", WHATSNEXT_REAPER_INTERVAL_MS: "100" });
});
after(async () => {
  await t?.close();
});

function workers(stack: Stack, server: TestServer = t, headers?: Record<string, string>) {
  const interceptors = headers ? [(next: Parameters<import("@connectrpc/connect").Interceptor>[0]) => async (req: Parameters<typeof next>[0]) => {
    for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
    return next(req);
  }] : [];
  if (stack === "grpc-js") return server.client(WorkerService, "grpc-js", headers);
  if (stack === "connect-node gRPC") return createClient(WorkerService, createGrpcTransport({ baseUrl: server.url, interceptors }));
  return createClient(WorkerService, createConnectTransport({ baseUrl: server.url, httpVersion: "2", interceptors }));
}

for (const stack of STACKS) {
  describe(`the Work stream over ${stack}`, () => {
    it("pushes jobs as soon as they exist, within the declared capacity, and the next one as soon as a finish frees room", async () => {
      const f = await queueFixture(t, "connect", "push", { small: { cpu: 1 }, big: { cpu: 3 } });
      const w = await f.registerWorker();
      const stream = openWork(workers(stack), { case: "open", value: { workerId: w, project: { case: "projectId", value: f.project.id }, capacity: { jobs: 4, cpu: 4 } } });
      const opened = await stream.next("opened");
      assert.equal(opened.worker?.id, w);
      // Created after the stream opened: pushed without the worker asking again.
      const big1 = await f.createJob({ task: "big" });
      const big2 = await f.createJob({ task: "big" });
      const small = await f.createJob({ task: "small" });
      const first = await stream.next("jobs");
      const pushed = new Set(first.jobs.map((j) => j.id));
      if (!pushed.has(small)) pushed.add((await stream.next("jobs")).jobs.map((j) => j.id)[0]!);
      // 4 CPUs: one 3-CPU job and the 1-CPU job fit together; the second 3-CPU job does not.
      assert.deepEqual(pushed, new Set([big1, small]));
      const ref = stream.send({ case: "finish", value: { jobId: big1, success: true, exitCode: 0 } });
      const result = await stream.next("result");
      assert.equal(result.ref, ref);
      assert.equal(result.errorCode, "");
      assert.equal(result.statusCode, 0);
      assert.equal(result.finishOutcome, FinishOutcome.APPLIED);
      assert.equal(result.job?.status, JobStatus.COMPLETED);
      const next = await stream.next("jobs");
      assert.deepEqual(next.jobs.map((j) => j.id), [big2], "room freed by the finish is used at once");
      await stream.close();
    });

    it("starts, reports refusals as results, and pushes the cancel of a held job at once", async () => {
      const f = await queueFixture(t, "connect", "cancel");
      const a = await f.createJob();
      const b = await f.createJob();
      const w = await f.registerWorker();
      const stream = openWork(workers(stack), { case: "open", value: { workerId: w, project: { case: "projectId", value: f.project.id }, capacity: { jobs: 2 } } });
      const got = [...(await stream.next("jobs")).jobs.map((j) => j.id)];
      if (got.length < 2) got.push(...(await stream.next("jobs")).jobs.map((j) => j.id));
      assert.deepEqual(new Set(got), new Set([a, b]));
      stream.send({ case: "start", value: { jobId: a, command: "run a", acceleratorIds: ["0"] } });
      assert.equal((await stream.next("result")).job?.status, JobStatus.RUNNING);
      stream.send({ case: "start", value: { jobId: 99_999_999n } });
      const refused = await stream.next("result");
      assert.equal(refused.errorCode, "not_found");
      assert.equal(refused.statusCode, Code.NotFound, "the code as a number too");
      assert.equal(refused.finishOutcome, FinishOutcome.UNSPECIFIED);
      // The lease is 3 s, so a heartbeat-paced cancel would take a second; this one is pushed by the cancel itself.
      await f.jobs.cancelJob({ id: a, reason: "wrong input" });
      assert.deepEqual((await stream.next("cancelled")).ids, [a]);
      stream.send({ case: "finish", value: { jobId: a, success: false, exitCode: 143, message: "stopped" } });
      const ack = await stream.next("result");
      assert.equal(ack.errorCode, "");
      assert.equal(ack.finishOutcome, FinishOutcome.CANCELLED, "a finish that met a cancel says so");
      assert.equal(ack.job?.status, JobStatus.CANCELLED);
      stream.send({ case: "release", value: { jobId: b, reason: "draining", preempted: true, checkpoint: "step-9" } });
      const released = await stream.next("result");
      assert.equal(released.job?.status, JobStatus.PENDING);
      assert.equal(released.job?.checkpoint, "step-9");
      await stream.close();
    });

    it("keeps the leases alive while open, and a reconnect that names its running jobs keeps them", async () => {
      const f = await queueFixture(t, "connect", "lease");
      const kept = await f.createJob();
      const dropped = await f.createJob();
      const w = await f.registerWorker();
      const aborts = new AbortController();
      const first = openWork(workers(stack), { case: "open", value: { workerId: w, project: { case: "projectId", value: f.project.id }, capacity: { jobs: 2 } } }, aborts.signal);
      const got = [...(await first.next("jobs")).jobs.map((j) => j.id)];
      if (got.length < 2) got.push(...(await first.next("jobs")).jobs.map((j) => j.id));
      // Three lease lengths pass with the stream open and no heartbeat: the leases hold.
      const lease = async (id: bigint) => (await f.jobs.getJob({ id })).job!;
      const until = Date.now() + 9_000;
      while (Date.now() < until) {
        assert.equal((await lease(kept)).status, JobStatus.QUEUED);
        await new Promise((r) => setTimeout(r, 500));
      }
      // The stream breaks; the worker comes back at once naming only one job.
      aborts.abort();
      await t.server.app.db.sql.query(`update job_attempt set claimed_at = claimed_at - interval '1 minute' where job_id = ?`, [Number(dropped)]);
      const second = openWork(workers(stack), { case: "open", value: { workerId: w, project: { case: "projectId", value: f.project.id }, running: [kept], capacity: { jobs: 1 } } });
      await second.next("opened");
      assert.deepEqual((await second.next("released")).ids, [dropped]);
      assert.equal((await lease(dropped)).status, JobStatus.PENDING);
      // The kept job counts against the capacity of 1: nothing else is pushed until it ends.
      second.send({ case: "finish", value: { jobId: kept, success: true } });
      assert.equal((await second.next("result")).job?.status, JobStatus.COMPLETED);
      assert.deepEqual((await second.next("jobs")).jobs.map((j) => j.id), [dropped]);
      await second.close();
    });
  });
}

describe("the Work stream under load", () => {
  it("completes each of 600 jobs exactly once with 12 streams over three client stacks", { timeout: 180_000 }, async () => {
    const f = await queueFixture(t, "connect", "exactly-once");
    const ids = (await f.jobs.batchCreateJobs({ projectId: f.project.id, jobs: Array.from({ length: 600 }, (_, i) => ({ task: { case: "taskName" as const, value: "run" }, name: `j${i}` })) })).jobIds;
    const done = new Map<bigint, string>();
    const duplicates: bigint[] = [];
    // Once the last job is pushed, every worker says it stops: a stream with nothing in
    // flight gets no more messages, and reads on until the server ends it.
    const streams: Array<ReturnType<typeof openWork>> = [];
    const finished = () => done.size === ids.length;
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const w = (await f.workers.registerWorker({ id: `load-${process.pid}-${i}` })).worker!.id;
        const stream = openWork(workers(STACKS[i % 3]!), { case: "open", value: { workerId: w, project: { case: "projectId", value: f.project.id }, startOnClaim: true, capacity: { jobs: 4 } } });
        streams.push(stream);
        if (finished()) stream.end();
        await stream.consume((r) => {
          if (r.kind.case !== "jobs") return;
          for (const job of r.kind.value.jobs) {
            if (done.has(job.id)) duplicates.push(job.id);
            done.set(job.id, w);
            stream.send({ case: "finish", value: { jobId: job.id, success: true } });
          }
          if (finished()) for (const s of streams) s.end();
        }, finished);
        await stream.close();
      }),
    );
    assert.deepEqual(duplicates, []);
    assert.equal(done.size, ids.length);
    const stats = await f.jobs.getQueueStats({ projectId: f.project.id });
    assert.equal(stats.completed, BigInt(ids.length));
    assert.ok(new Set(done.values()).size > 1, "the work was shared");
  });
});

describe("the Work stream's rules", () => {
  const viewer = testSecret("viewer");
  const worker = testSecret("worker");
  const admin = testSecret("admin");
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ WHATSNEXT_API_KEYS: `v:viewer:${viewer},w:worker:${worker},root:admin:${admin}` });
  });
  after(async () => {
    await s?.close();
  });

  it("needs the worker role, an open first, and a valid capacity", async () => {
    const f = await queueFixture({ ...s, client: (svc, protocol, headers) => s.client(svc, protocol, headers ?? { authorization: `Bearer ${admin}` }) } as TestServer, "connect", "rules");
    const open = (capacity: { jobs: number } | undefined) => ({ case: "open" as const, value: { workerId: "rules-w", project: { case: "projectId" as const, value: f.project.id }, capacity } });
    const refused = async (headers: Record<string, string>, kind: Parameters<typeof openWork>[1], code: Code, message: RegExp) => {
      const stream = openWork(workers("grpc-js", s, headers), kind);
      const err = await stream.next("opened").then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConnectError, String(err));
      assert.equal(Code[err.code], Code[code], err.message);
      assert.match(err.rawMessage, message);
    };
    await refused({ authorization: `Bearer ${viewer}` }, open({ jobs: 1 }), Code.PermissionDenied, /needs the worker role/);
    await workers("grpc-js", s, { authorization: `Bearer ${worker}` }).registerWorker({ id: "rules-w" });
    await refused({ authorization: `Bearer ${worker}` }, open(undefined), Code.InvalidArgument, /open\.capacity is required/);
    await refused({ authorization: `Bearer ${worker}` }, open({ jobs: 0 }), Code.InvalidArgument, /open\.capacity\.jobs must be between 1 and 1000/);
    await refused({ authorization: `Bearer ${worker}` }, { case: "capacity", value: { jobs: 1 } }, Code.InvalidArgument, /open must be the first message/);
  });
});
