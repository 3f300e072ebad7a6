/**
 * Real workers running real scripts against a real server: success, failure
 * with exit code and stderr tail, parameters as arguments, concurrency
 * within CPUs and accelerators with CUDA_VISIBLE_DEVICES per job, a cancel
 * killing the process, SIGTERM releasing unfinished work, a SIGKILLed worker
 * leaving no job process behind, long-poll pickup, and the slurm and runai
 * formatters against the fake tools on PATH.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { createServer as createHttp2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { WorkerService } from "../gen/whatsnext/v1/worker_pb.js";
import type { Job } from "../gen/whatsnext/v1/job_pb.js";
import { connect, type WhatsNextClient } from "../src/client/index.js";
import { createCliFormatter } from "../src/worker/formatters/index.js";
import { WorkerRuntime, type WorkerEvent } from "../src/worker/worker.js";
import { isAlive, killGroup, livingGroupMembers } from "./support/process-table.js";
import { runCli, startCli, tempFolder } from "./support/run-cli.js";
import { waitForFetchWaiters } from "./support/fetch-waiters.js";
import { createTestDatabase, startTestServer, type TestServer } from "./support/test-server.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startServer } from "../src/server/server.js";
import { until } from "./support/until.js";

const FIXTURE_BIN = fileURLToPath(new URL("./fixtures/bin", import.meta.url));

let t: TestServer;
let client: WhatsNextClient;
before(async () => {
  // A short lease makes heartbeats (and so cancels) frequent.
  t = await startTestServer({ WHATSNEXT_LEASE_SECONDS: "3" });
  client = connect({ server: t.url });
});
after(async () => {
  client?.close();
  await t?.close();
});

/** A project with one task per entry; returns the project id. */
async function project(name: string, tasks: Array<{ name: string; command: string; cpu?: number; accelerators?: number }>): Promise<bigint> {
  const { project: p } = await client.projects.createProject({ name });
  for (const task of tasks) {
    await client.tasks.createTask({ projectId: p!.id, name: task.name, commandTemplate: task.command, requiredCpu: task.cpu ?? 0, requiredAccelerators: task.accelerators ?? 0 });
  }
  return p!.id;
}

async function addJob(projectId: bigint, task: string, name: string, parameters: Record<string, string | number> = {}, priority = 0): Promise<Job> {
  const { job } = await client.jobs.createJob({ projectId, task: { case: "taskName", value: task }, name, parameters, priority });
  return job!;
}

async function getJob(id: bigint): Promise<Job> {
  return (await client.jobs.getJob({ id })).job!;
}


async function untilStatus(id: bigint, status: JobStatus): Promise<Job> {
  return until(`job ${id} to be ${JobStatus[status]}`, async () => {
    const job = await getJob(id);
    return job.status === status ? job : undefined;
  });
}

/** Writes an executable bash script into `folder`. */
function script(folder: string, name: string, body: string): string {
  const path = join(folder, name);
  writeFileSync(path, `#!/usr/bin/env bash\nset -u\n${body}\n`, { mode: 0o755 });
  return path;
}

describe("whatsnext worker (the real command)", () => {
  it("runs jobs to success and to failure with the exit code and the stderr tail; parameters arrive as separate arguments", async () => {
    const dir = tempFolder("wn-worker-");
    const job = script(
      dir,
      "job.sh",
      `printf '%s\\n' "$@" > "${dir}/args-$WHATSNEXT_JOB_ID"
echo "working on $1"
if [ "$1" = fail ]; then echo "Traceback: something broke" >&2; exit 3; fi`,
    );
    const projectId = await project("w-basic", [{ name: "run", command: `bash ${job} {mode} {lr} {job_id}` }]);
    const good = await addJob(projectId, "run", "good", { mode: "ok", lr: 0.1 });
    const bad = await addJob(projectId, "run", "bad", { mode: "fail", lr: "a b; rm -rf /" });

    const worker = await runCli(["worker", "--project", "w-basic", "--max-jobs", "2", "--json", "--wait", "5"], { env: { WHATSNEXT_SERVER: t.url } });
    assert.equal(worker.code, 0, worker.stderr);
    const summary = worker.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; succeeded?: number; failed?: number }).find((e) => e.type === "summary");
    assert.deepEqual([summary?.succeeded, summary?.failed], [1, 1]);

    const [g, b] = await Promise.all([getJob(good.id), getJob(bad.id)]);
    assert.equal(g.status, JobStatus.COMPLETED);
    assert.equal(g.exitCode, 0);
    assert.match(g.outputTail, /working on ok/);
    assert.equal(g.command, `bash ${job} ok 0.1 ${good.id}`);
    assert.equal(b.status, JobStatus.FAILED);
    assert.equal(b.exitCode, 3);
    assert.match(b.message, /exited with code 3/);
    assert.match(b.outputTail, /Traceback: something broke/);
    // Each parameter is exactly one argument: no shell ever split or ran it.
    assert.deepEqual(readFileSync(join(dir, `args-${bad.id}`), "utf8").split("\n").slice(0, 3), ["fail", "a b; rm -rf /", String(bad.id)]);

    // What a person sees: `jobs show` of the failed job prints its stderr.
    const show = await runCli(["jobs", "show", String(bad.id), "--project", "w-basic"], { env: { WHATSNEXT_SERVER: t.url } });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /status:\s+failed/);
    assert.match(show.stdout, /exit code:\s+3/);
    assert.match(show.stdout, /--- output .*---\n(.|\n)*Traceback: something broke/);
  });

  it("long-polls: a worker waiting with no work picks up a job added later; --once exits after it", async () => {
    const dir = tempFolder("wn-poll-");
    const projectId = await project("w-poll", [{ name: "t", command: `touch ${dir}/ran-{job_id}` }]);
    const worker = startCli(["worker", "--project", "w-poll", "--once", "--wait", "60"], { env: { WHATSNEXT_SERVER: t.url } });
    await worker.waitFor(/registered as/, "stderr");
    const job = await addJob(projectId, "t", "late");
    const done = await worker.done;
    assert.equal(done.code, 0, done.stderr);
    assert.equal((await getJob(job.id)).status, JobStatus.COMPLETED);
    assert.ok(existsSync(join(dir, `ran-${job.id}`)));
    // With nothing to do and no wait, --once ends at once.
    const idle = await runCli(["worker", "--project", "w-poll", "--once", "--wait", "0", "--json"], { env: { WHATSNEXT_SERVER: t.url } });
    assert.equal(idle.code, 0, idle.stderr);
    assert.match(idle.stdout, /"type":"summary".*"claimed":0/);
  });

  it("on SIGTERM stops taking work, lets running jobs finish, then releases the rest and deactivates", async () => {
    const dir = tempFolder("wn-term-");
    const quick = script(dir, "quick.sh", `touch "${dir}/started-quick"; while [ ! -e "${dir}/gate" ]; do sleep 0.05; done; echo finished`);
    const slow = script(dir, "slow.sh", `touch "${dir}/started-slow"; sleep 600`);
    const projectId = await project("w-term", [
      { name: "quick", command: `bash ${quick}` },
      { name: "slow", command: `bash ${slow}` },
    ]);
    const q = await addJob(projectId, "quick", "quick");
    const s = await addJob(projectId, "slow", "slow");
    const worker = startCli(["worker", "--project", "w-term", "--id", "term-worker", "--parallel", "2", "--cpus", "2", "--grace", "600"], { env: { WHATSNEXT_SERVER: t.url } });
    await until("both jobs to start", () => existsSync(join(dir, "started-quick")) && existsSync(join(dir, "started-slow")));
    await Promise.all([untilStatus(q.id, JobStatus.RUNNING), untilStatus(s.id, JobStatus.RUNNING)]);
    worker.child.kill("SIGTERM");
    await worker.waitFor(/stopping \(SIGTERM\): waiting up to 600 s for 2 running jobs/, "stderr");
    // Work added now is not taken.
    const later = await addJob(projectId, "quick", "later");
    writeFileSync(join(dir, "gate"), "");
    await untilStatus(q.id, JobStatus.COMPLETED);
    assert.equal((await getJob(s.id)).status, JobStatus.RUNNING, "the slow job runs on within the grace period");
    // A second signal ends the grace period: the slow job is stopped and released.
    worker.child.kill("SIGTERM");
    const done = await worker.done;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, /job \d+ released back to the queue/);
    const [slowAfter, laterAfter, w] = await Promise.all([getJob(s.id), getJob(later.id), client.workers.getWorker({ workerId: "term-worker" })]);
    assert.equal(slowAfter.status, JobStatus.PENDING);
    assert.equal(laterAfter.status, JobStatus.PENDING);
    assert.equal(laterAfter.workerId, "");
    assert.equal(w.worker?.active, false);
  });

  it("when SIGKILLed, leaves no process of its job running, so the job cannot run twice once handed out again", async () => {
    const dir = tempFolder("wn-sigkill-");
    // The job's process ($$, the leader of its process group) becomes a long sleep; another sleep is its child.
    const long = script(dir, "long.sh", `sleep 300 & echo "$$ $!" > "${dir}/pids.tmp"; mv "${dir}/pids.tmp" "${dir}/pids"; exec sleep 300`);
    const projectId = await project("w-sigkill", [{ name: "long", command: `bash ${long}` }]);
    const job = await addJob(projectId, "long", "long");
    const worker = startCli(["worker", "--project", "w-sigkill", "--once", "--wait", "5"], { env: { WHATSNEXT_SERVER: t.url } });
    let sleeper: number | undefined;
    try {
      const pids = await until("the job to start", () => existsSync(join(dir, "pids")) && readFileSync(join(dir, "pids"), "utf8"));
      const [leader, child] = pids.trim().split(" ").map(Number) as [number, number];
      sleeper = leader;
      await untilStatus(job.id, JobStatus.RUNNING);
      assert.ok(isAlive(sleeper), "the job's process runs");
      assert.ok(livingGroupMembers(sleeper).includes(child), "its child runs, in the job's process group");
      worker.child.kill("SIGKILL");
      await worker.done;
      await until("the job's processes to end", () => !isAlive(sleeper!) && !isAlive(child), 15_000);
    } finally {
      worker.child.kill("SIGKILL");
      if (sleeper !== undefined) killGroup(sleeper);
    }
  });

  it("runs scheduler jobs through the slurm and runai formatters (fake tools on PATH) and reports the command", async () => {
    const dir = tempFolder("wn-sched-");
    const projectId = await project("w-sched", [{ name: "t", command: "echo hello {who}" }]);
    const env = {
      WHATSNEXT_SERVER: t.url,
      PATH: `${FIXTURE_BIN}${delimiter}${process.env.PATH ?? ""}`,
      FAKE_STATE_DIR: join(dir, "state"),
      FAKE_RECORD_FILE: join(dir, "calls.jsonl"),
    };
    const slurmJob = await addJob(projectId, "t", "on-slurm", { who: "slurm" });
    const slurm = await runCli(
      ["worker", "--project", "w-sched", "--once", "--wait", "5", "--formatter", "slurm", "--set", "partition=gpu", "--set", "poll_interval_ms=100", "--set", `output_dir=${join(dir, "out")}`],
      { env },
    );
    assert.equal(slurm.code, 0, slurm.stderr);
    const s = await getJob(slurmJob.id);
    assert.equal(s.status, JobStatus.COMPLETED, s.message);
    assert.match(s.outputTail, /hello slurm/);
    assert.match(s.command, /^SLURM job \d+: echo hello slurm$/);
    const runaiJob = await addJob(projectId, "t", "on-runai", { who: "runai" });
    const runai = await runCli(
      ["worker", "--project", "w-sched", "--once", "--wait", "5", "--formatter", "runai", "--set", "project=team", "--set", "image=python:3.12", "--set", "poll_interval_ms=100"],
      { env },
    );
    assert.equal(runai.code, 0, runai.stderr);
    const r = await getJob(runaiJob.id);
    assert.equal(r.status, JobStatus.COMPLETED, r.message);
    assert.match(r.outputTail, /hello runai/);
    assert.match(r.command, /^Run:ai job \S+ \(project team\): echo hello runai$/);
    const calls = readFileSync(join(dir, "calls.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]);
    assert.ok(calls.some((c) => c[0] === "sbatch" && c.includes("--partition=gpu")), "sbatch got the partition");
    assert.ok(calls.some((c) => c[0] === "runai" && c[1] === "submit" && c.includes("team")), "runai submit got the project");
    // A formatter setting that cannot work stops the worker before it registers.
    const bad = await runCli(["worker", "--project", "w-sched", "--once", "--formatter", "runai"], { env });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /project/);
  });
});

describe("worker runtime", () => {
  it("runs jobs concurrently only while they fit the CPUs and accelerators, each with its own CUDA_VISIBLE_DEVICES", async () => {
    const dir = tempFolder("wn-res-");
    // Each job logs start and end (with its devices); the first ones wait at a gate so that concurrency is certain.
    const body = (kind: string) =>
      `echo "start $WHATSNEXT_JOB_ID ${kind} \${CUDA_VISIBLE_DEVICES-unset}" >> "${dir}/log"
touch "${dir}/started-$WHATSNEXT_JOB_ID"
while [ ! -e "${dir}/gate" ]; do sleep 0.05; done
echo "end $WHATSNEXT_JOB_ID" >> "${dir}/log"`;
    const gpu = script(dir, "gpu.sh", body("gpu"));
    const cpu = script(dir, "cpu.sh", body("cpu"));
    const projectId = await project("w-resources", [
      { name: "gpu", command: `bash ${gpu}`, cpu: 1, accelerators: 2 },
      { name: "cpu", command: `bash ${cpu}`, cpu: 3, accelerators: 0 },
    ]);
    const jobs = [
      ...(await Promise.all([1, 2, 3, 4].map((i) => addJob(projectId, "gpu", `gpu-${i}`, {}, 10)))),
      ...(await Promise.all([1, 2].map((i) => addJob(projectId, "cpu", `cpu-${i}`)))),
    ];
    const events: WorkerEvent[] = [];
    const runtime = new WorkerRuntime({
      client,
      projectId,
      formatter: createCliFormatter(),
      cpus: 4,
      acceleratorIds: ["0", "1", "2", "3"],
      parallel: 8,
      setCudaVisibleDevices: true,
      maxJobs: jobs.length,
      waitSeconds: 5,
      onEvent: (e) => events.push(e),
    });
    const running = runtime.run();
    // Two GPU jobs fill the four accelerators; they run together.
    await until("two gpu jobs to start", () => readdirSync(dir).filter((f) => f.startsWith("started-")).length >= 2);
    writeFileSync(join(dir, "gate"), "");
    const summary = await running;
    assert.equal(summary.succeeded, jobs.length);

    const cpuOf = new Map<string, number>();
    for (const j of jobs) cpuOf.set(String(j.id), j.taskName === "gpu" ? 1 : 3);
    const active = new Map<string, string[]>();
    let most = 0;
    for (const line of readFileSync(join(dir, "log"), "utf8").trim().split("\n")) {
      const [what, id, kind, devices] = line.split(" ");
      if (what === "start") {
        const mine = devices === "" || devices === undefined ? [] : devices.split(",");
        if (kind === "gpu") assert.equal(mine.length, 2, `gpu job ${id} got two devices, got ${devices}`);
        else assert.equal(devices ?? "", "", `cpu job ${id} sees no GPU`);
        active.set(id!, mine);
        const used = [...active.values()].flat();
        assert.equal(new Set(used).size, used.length, `no device is shared: ${line}`);
        const cpus = [...active.keys()].reduce((n, k) => n + cpuOf.get(k)!, 0);
        assert.ok(cpus <= 4, `at most 4 CPUs in use, got ${cpus} at ${line}`);
        most = Math.max(most, active.size);
      } else active.delete(id!);
    }
    assert.ok(most >= 2, "jobs ran concurrently");
    const starts = events.filter((e): e is Extract<WorkerEvent, { type: "started" }> => e.type === "started");
    assert.deepEqual(starts.slice(0, 2).map((e) => e.accelerators.join(",")).sort(), ["0,1", "2,3"]);
  });

  it("kills a job cancelled on the server and goes on with the next", async () => {
    const dir = tempFolder("wn-cancel-");
    const long = script(dir, "long.sh", `echo $$ > "${dir}/pid-$WHATSNEXT_JOB_ID"; sleep 600 & wait`);
    const projectId = await project("w-cancel", [{ name: "long", command: `bash ${long}` }, { name: "quick", command: "true" }]);
    const victim = await addJob(projectId, "long", "victim", {}, 5);
    const events: WorkerEvent[] = [];
    const runtime = new WorkerRuntime({ client, projectId, formatter: createCliFormatter({ killGraceMs: 2000 }), cpus: 1, parallel: 1, maxJobs: 2, waitSeconds: 5, onEvent: (e) => events.push(e) });
    const running = runtime.run();
    const pidFile = join(dir, `pid-${victim.id}`);
    await until("the job to start", () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "");
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    await untilStatus(victim.id, JobStatus.RUNNING);
    await client.jobs.cancelJob({ id: victim.id, reason: "test" });
    const next = await addJob(projectId, "quick", "next");
    const summary = await running;
    assert.deepEqual([summary.cancelled, summary.succeeded], [1, 1]);
    assert.throws(() => process.kill(pid, 0), /ESRCH/, "the job's process is gone");
    assert.equal((await getJob(victim.id)).status, JobStatus.CANCELLED);
    assert.equal((await getJob(next.id)).status, JobStatus.COMPLETED);
    assert.ok(events.some((e) => e.type === "cancelled" && e.jobId === victim.id && /cancelled on the server/.test(e.message)));
  });
});

/** How many calls of WorkerService/<method> the server answered so far, from its /metrics. */
async function callsOf(server: TestServer, method: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^whatsnext_rpc_calls_total\\{method="whatsnext\\.v1\\.WorkerService/${method}",code="[a-z_]+"\\} (\\d+)`, "gm"))) sum += Number(m[1]);
  return sum;
}

/**
 * A server of an older version, which has no Work stream: it answers the
 * unary worker calls by passing them to the real server, and anything else
 * with Unimplemented.
 */
async function olderServer(upstream: WhatsNextClient): Promise<{ url: string; close(): Promise<void> }> {
  const w = upstream.workers;
  const handler = connectNodeAdapter({
    routes(router: ConnectRouter) {
      router.service(WorkerService, {
        registerWorker: (req) => w.registerWorker(req),
        fetchJob: (req, ctx) => w.fetchJob(req, { signal: ctx.signal }),
        heartbeat: (req) => w.heartbeat(req),
        startJob: (req) => w.startJob(req),
        finishJob: (req) => w.finishJob(req),
        releaseJob: (req) => w.releaseJob(req),
        deactivateWorker: (req) => w.deactivateWorker(req),
      });
    },
  });
  const server = createHttp2Server(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const sessions = new Set<import("node:http2").ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.once("close", () => sessions.delete(s));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("how the worker talks to the server", () => {
  const methods = ["Work", "FetchJob", "Heartbeat", "StartJob", "FinishJob"] as const;
  async function counts(server: TestServer): Promise<Record<(typeof methods)[number], number>> {
    const entries = await Promise.all(methods.map(async (m) => [m, await callsOf(server, m)] as const));
    return Object.fromEntries(entries) as Record<(typeof methods)[number], number>;
  }
  function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
    return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k]!]));
  }

  it("works on one Work stream by default: no FetchJob, Heartbeat, StartJob or FinishJob call", async () => {
    const projectId = await project("w-stream", [{ name: "t", command: "true" }]);
    for (let i = 0; i < 5; i++) await addJob(projectId, "t", `j${i}`);
    const before = await counts(t);
    const summary = await new WorkerRuntime({ client, projectId, formatter: createCliFormatter(), parallel: 2, maxJobs: 5, waitSeconds: 5 }).run();
    assert.equal(summary.succeeded, 5);
    const used = diff(await counts(t), before);
    assert.deepEqual(used, { Work: 1, FetchJob: 0, Heartbeat: 0, StartJob: 0, FinishJob: 0 });
  });

  it("uses FetchJob, Heartbeat and the unary reports when told to (stream: false)", async () => {
    const projectId = await project("w-unary", [{ name: "t", command: "true" }]);
    for (let i = 0; i < 3; i++) await addJob(projectId, "t", `j${i}`);
    const before = await counts(t);
    const summary = await new WorkerRuntime({ client, projectId, formatter: createCliFormatter(), parallel: 1, maxJobs: 3, waitSeconds: 5, stream: false }).run();
    assert.equal(summary.succeeded, 3);
    const used = diff(await counts(t), before);
    assert.equal(used.Work, 0);
    assert.ok(used.FetchJob! >= 3 && used.StartJob === 3 && used.FinishJob === 3, JSON.stringify(used));
  });

  it("falls back to the unary calls against a server without the Work stream, and says so", async () => {
    const projectId = await project("w-older", [{ name: "t", command: "true" }]);
    for (let i = 0; i < 3; i++) await addJob(projectId, "t", `j${i}`);
    const older = await olderServer(client);
    const viaOlder = connect({ server: older.url });
    try {
      const events: WorkerEvent[] = [];
      const summary = await new WorkerRuntime({ client: viaOlder, projectId, formatter: createCliFormatter(), parallel: 1, maxJobs: 3, waitSeconds: 5, onEvent: (e) => events.push(e) }).run();
      assert.equal(summary.succeeded, 3);
      assert.ok(events.some((e) => e.type === "error" && /no Work stream/.test(e.message)));
    } finally {
      viaOlder.close();
      await older.close();
    }
  });
});

describe("the worker across a server restart", () => {
  it("opens the Work stream again within the lease and keeps its running job: one attempt, no lost lease, finished once", async () => {
    const db = await createTestDatabase();
    const dir = tempFolder("wn-restart-");
    // The embedded database in a folder (when no PostgreSQL is given) outlives the server, as PostgreSQL does.
    const settings = { WHATSNEXT_PORT: "0", WHATSNEXT_DATA_DIR: join(dir, "data"), LOG_LEVEL: "silent", WHATSNEXT_LEASE_SECONDS: "10", WHATSNEXT_REAPER_INTERVAL_MS: "100", DATABASE_URL: db.url };
    let server = await startServer(loadConfig(settings), createLogger("silent"));
    const port = new URL(server.url).port;
    const c = connect({ server: server.url });
    let running: Promise<unknown> | undefined;
    try {
      const { project: p } = await c.projects.createProject({ name: "w-restart" });
      const gated = script(dir, "gated.sh", `touch "${dir}/started"; while [ ! -e "${dir}/gate" ]; do sleep 0.05; done; echo done`);
      await c.tasks.createTask({ projectId: p!.id, name: "gated", commandTemplate: `bash ${gated}` });
      const { job } = await c.jobs.createJob({ projectId: p!.id, task: { case: "taskName", value: "gated" }, name: "through-restart" });
      const events: WorkerEvent[] = [];
      const runtime = new WorkerRuntime({ client: c, projectId: p!.id, formatter: createCliFormatter(), parallel: 1, maxJobs: 1, onEvent: (e) => events.push(e) });
      running = runtime.run();
      await until("the job to start", () => existsSync(join(dir, "started")));
      await server.close(1000);
      const restartedAt = Date.now();
      server = await startServer(loadConfig({ ...settings, WHATSNEXT_PORT: port }), createLogger("silent"));
      await until("the stream to open again", () => events.filter((e) => e.type === "connected").length >= 2);
      // The new server extends the lease past what the old one gave: the job is still the worker's.
      const held = await until("the lease to be extended by the new server", async () => {
        const j = (await c.jobs.getJob({ id: job!.id })).job!;
        const expires = j.leaseExpireTime ? Number(j.leaseExpireTime.seconds) * 1000 + j.leaseExpireTime.nanos / 1e6 : 0;
        return expires > restartedAt + 10_000 ? j : undefined;
      });
      assert.equal(held.status, JobStatus.RUNNING);
      assert.equal(held.workerId, runtime.id);
      writeFileSync(join(dir, "gate"), "");
      const summary = (await running) as { succeeded: number };
      assert.equal(summary.succeeded, 1);
      const done = (await c.jobs.getJob({ id: job!.id })).job!;
      assert.deepEqual([done.status, done.attempts, done.lostLeases], [JobStatus.COMPLETED, 1, 0]);
      assert.ok(events.some((e) => e.type === "error" && /Work stream broke/.test(e.message)));
    } finally {
      writeFileSync(join(dir, "gate"), "");
      await running?.catch(() => undefined);
      c.close();
      await server.close(1000);
      await db.drop();
    }
  });
});

describe("the worker without the stream (unary calls)", () => {
  it("asks again at once with the room a finished job freed, instead of waiting out the FetchJob under way", async () => {
    const dir = tempFolder("wn-room-");
    const gated = script(dir, "gated.sh", `touch "${dir}/started-$WHATSNEXT_JOB_ID"; while [ ! -e "${dir}/gate" ]; do sleep 0.05; done`);
    const projectId = await project("w-room", [
      { name: "one", command: `bash ${gated}`, cpu: 1 },
      { name: "two", command: "true", cpu: 2 },
    ]);
    const first = await addJob(projectId, "one", "first", {}, 10);
    const wide = await addJob(projectId, "two", "wide", {}, 0);
    const events: WorkerEvent[] = [];
    // A FetchJob waits 60 s: the wide job must not wait for it to end.
    const runtime = new WorkerRuntime({ client, projectId, formatter: createCliFormatter(), cpus: 2, parallel: 2, maxJobs: 2, waitSeconds: 60, stream: false, onEvent: (e) => events.push(e) });
    const running = runtime.run();
    try {
      await until("the first job to start", () => existsSync(join(dir, `started-${first.id}`)));
      // One CPU is free, the wide job needs two: the worker's FetchJob now waits.
      await waitForFetchWaiters(t.url, 1);
      assert.equal((await getJob(wide.id)).status, JobStatus.PENDING);
      writeFileSync(join(dir, "gate"), "");
      // Well inside the 60 s the waiting FetchJob would take to end by itself.
      await until("the wide job to complete", async () => (await getJob(wide.id)).status === JobStatus.COMPLETED, 20_000);
    } finally {
      writeFileSync(join(dir, "gate"), "");
      runtime.stop();
      await running;
    }
    assert.equal((await getJob(first.id)).status, JobStatus.COMPLETED);
  });
});
