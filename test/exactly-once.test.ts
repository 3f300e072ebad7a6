import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import pg from "pg";
import { createClient, type Client } from "@connectrpc/connect";
import { JobService } from "../gen/whatsnext/v1/job_pb.js";
import { WorkerService } from "../gen/whatsnext/v1/worker_pb.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startServer, type RunningServer } from "../src/server/server.js";
import { createGrpcJsClient } from "./support/grpc-js-client.js";
import { queueFixture } from "./support/queue-fixtures.js";
import { startTestServer, transportFor, type TestServer } from "./support/test-server.js";
import { waitForFetchWaiters } from "./support/fetch-waiters.js";

const onPostgres = Boolean(process.env.DATABASE_URL);
// The embedded database serialises every query on one connection: fewer jobs keep the file quick there.
const JOBS = onPostgres ? 3000 : 600;
const WORKERS = 32;
const BATCH = 250;

let t: TestServer;
let second: RunningServer | undefined;
const closers: Array<() => void> = [];
before(async () => {
  t = await startTestServer({ WHATSNEXT_LEASE_SECONDS: "60" });
  if (onPostgres) {
    // A second replica on the same database: claims race across processes' pools and NOTIFY wakes its waiters.
    const config = loadConfig({ DATABASE_URL: t.databaseUrl, WHATSNEXT_PORT: "0", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", WHATSNEXT_LEASE_SECONDS: "60" });
    second = await startServer(config, createLogger(config.LOG_LEVEL));
  }
});
after(async () => {
  closers.forEach((c) => c());
  await second?.close(1000);
  await t?.close();
});

function workerClient(i: number): Client<typeof WorkerService> {
  const url = second && i % 2 === 1 ? second.url : t.url;
  if (i % 4 === 3) return createClient(WorkerService, transportFor("connect", url));
  const c = createGrpcJsClient(WorkerService, url);
  closers.push(() => c.close());
  return c;
}

it(`completes each of ${JOBS} jobs exactly once with ${WORKERS} concurrent workers${onPostgres ? " on two servers" : ""}`, async () => {
  const f = await queueFixture(t, "grpc-js", "exactly-once");
  const projectId = f.project.id;
  let creationDone = false;
  const completions = new Map<bigint, string[]>();
  let releases = 0;

  const runWorker = async (i: number) => {
    const client = workerClient(i);
    const workerId = (await client.registerWorker({ id: `eo-${process.pid}-${i}`, name: `worker ${i}` })).worker!.id;
    for (;;) {
      const doneBefore = creationDone;
      const maxJobs = 1 + ((i * 7 + completions.size) % 8);
      const r = await client.fetchJob({ workerId, project: { case: "projectId", value: projectId }, maxJobs, waitSeconds: doneBefore ? 0 : 2 });
      if (r.jobs.length === 0) {
        if (doneBefore && r.numPending === 0n) return;
        continue;
      }
      let held = r.jobs.map((j) => j.id);
      if (i % 4 !== 1) {
        const started = await client.startJobs({ workerId, starts: held.map((jobId) => ({ jobId, command: `run ${jobId}` })) });
        for (const s of started.results) assert.equal(s.errorCode, "", `start of job ${s.jobId}: ${s.errorMessage}`);
      } else {
        for (const jobId of held) await client.startJob({ jobId, workerId, command: `run ${jobId}` });
      }
      // Now and then a worker is preempted and gives a job back: it must run again, once, elsewhere or here.
      if (held.length > 1 && (Number(held[0]!) + i) % 23 === 0) {
        await client.releaseJob({ jobId: held[0]!, workerId, reason: "preempted" });
        held = held.slice(1);
        releases++;
      }
      if (i % 4 !== 1) {
        const finished = await client.finishJobs({ workerId, outcomes: held.map((jobId) => ({ jobId, success: true, exitCode: 0 })) });
        for (const s of finished.results) assert.equal(s.errorCode, "", `finish of job ${s.jobId}: ${s.errorMessage}`);
      } else {
        for (const jobId of held) await client.finishJob({ jobId, workerId, success: true, exitCode: 0 });
      }
      for (const jobId of held) completions.set(jobId, [...(completions.get(jobId) ?? []), workerId]);
    }
  };

  const workersDone = Promise.all(Array.from({ length: WORKERS }, (_, i) => runWorker(i)));
  const created: bigint[] = [];
  for (let n = 0; n < JOBS; n += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, JOBS - n) }, (_, k) => ({ task: { case: "taskName" as const, value: "run" }, name: `job-${n + k}`, priority: (n + k) % 3 }));
    created.push(...(await f.jobs.batchCreateJobs({ projectId, jobs: batch })).jobIds);
  }
  creationDone = true;
  await workersDone;

  const twice = [...completions].filter(([, ws]) => ws.length > 1);
  assert.deepEqual(twice, [], "no job completed twice");
  const missing = created.filter((id) => !completions.has(id));
  assert.deepEqual(missing, [], "no job lost");
  assert.equal(completions.size, JOBS);
  const stats = await t.client(JobService, "connect").getQueueStats({ projectId });
  assert.equal(stats.completed, BigInt(JOBS));
  assert.equal(stats.pending + stats.queued + stats.running + stats.failed, 0n);
  if (onPostgres) {
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(
        `select count(*)::int as n, count(*) filter (where status = 'completed' and attempts = 1)::int as once,
                count(distinct worker_id)::int as workers from job where project_id = $1`,
        [Number(projectId)],
      );
      assert.equal(rows[0].n, JOBS);
      assert.equal(rows[0].once, JOBS, "every job completed on one attempt (releases give theirs back)");
      assert.ok(rows[0].workers > 1, "the work was shared");
    } finally {
      await db.end();
    }
  }
  assert.ok(releases > 0, "some jobs were released and run again");
});

it("wakes a FetchJob waiting on one server when a job is created through the other", { skip: !onPostgres && "one server only on the embedded database" }, async () => {
  const f = await queueFixture(t, "grpc-js", "cross-wake");
  const onSecond = workerClient(1);
  const workerId = (await onSecond.registerWorker({ id: `cross-${process.pid}` })).worker!.id;
  // Below the 5 s safety recheck: only the NOTIFY from the first server can deliver it in time.
  const waiting = onSecond.fetchJob({ workerId, project: { case: "projectId", value: f.project.id }, waitSeconds: 3 });
  await waitForFetchWaiters(second!.url);
  const jobId = await f.createJob();
  const r = await waiting;
  assert.deepEqual(r.jobs.map((j) => j.id), [jobId]);
});
