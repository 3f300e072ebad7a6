/**
 * A job's output, live and whole: workers append it while the job runs, the
 * server keeps each attempt's own (head and tail past the cap, with a notice
 * between), readers page through it and followers get it as it comes, over a
 * real server and real clients on the database under test (DATABASE_URL or
 * the embedded one), the CLI and the CLI worker included.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { JobStatus, Role } from "../gen/whatsnext/v1/common_pb.js";
import { JobService, OutputStream, type OutputChunk } from "../gen/whatsnext/v1/job_pb.js";
import { KeyService } from "../gen/whatsnext/v1/key_pb.js";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../gen/whatsnext/v1/task_pb.js";
import { WorkerService } from "../gen/whatsnext/v1/worker_pb.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startServer, type RunningServer } from "../src/server/server.js";
import { rejectsWith } from "./support/assertions.js";
import { eventually, queueFixture, uniqueName } from "./support/queue-fixtures.js";
import { startCli } from "./support/run-cli.js";
import { createTestDatabase, startTestServer, transportFor, type TestServer } from "./support/test-server.js";
import { createClient, type Client } from "@connectrpc/connect";
import { testSecret } from "./security/security-fixture.js";

const CAP = 4096;

/** The text of pieces, notices shown as ⟨notice⟩. */
function joined(chunks: readonly OutputChunk[], notices = true): string {
  return chunks.map((c) => (c.stream === OutputStream.NOTICE ? (notices ? `⟨${c.text}⟩` : "") : c.text)).join("");
}

/** Every page of an attempt's output. */
async function readAll(jobs: Client<typeof JobService>, jobId: bigint, attempt = 0) {
  const chunks: OutputChunk[] = [];
  let offset = 0n;
  let last;
  for (;;) {
    last = await jobs.getJobOutput({ jobId, attempt, offset, maxBytes: 1000 });
    chunks.push(...last.chunks);
    if (last.nextOffset === offset || last.nextOffset >= last.size) break;
    offset = last.nextOffset;
  }
  return { chunks, attempt: last.attempt, ended: last.ended, size: last.size };
}

/** A bash script in a fresh folder; returns its path. */
function script(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "wn-output-"));
  const path = join(dir, "job.sh");
  writeFileSync(path, `#!/usr/bin/env bash\nset -u\n${body}\n`, { mode: 0o755 });
  return path;
}

describe("job output over the API", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ WHATSNEXT_JOB_OUTPUT_MAX_BYTES: String(CAP), WHATSNEXT_RETRY_BACKOFF_SECONDS: "0", WHATSNEXT_REAPER_INTERVAL_MS: "50", WHATSNEXT_JOB_OUTPUT_RETENTION: "1s" });
  });
  after(async () => {
    await t?.close();
  });

  it("keeps the head and the tail past the cap, with a notice of exactly what was left out; a repeated send is stored once", async () => {
    const f = await queueFixture(t, "connect", "cap");
    const jobId = await f.createJob();
    const workerId = await f.registerWorker();
    const [job] = (await f.workers.fetchJob({ workerId, project: { case: "projectId", value: f.project.id } })).jobs;
    assert.equal(job!.runs, 1);
    const lines = Array.from({ length: 400 }, (_, i) => `line ${String(i).padStart(4, "0")} ${"x".repeat(20)}\n`);
    let seq = 0n;
    for (let i = 0; i < lines.length; i += 10) {
      seq += 1n;
      const chunks = lines.slice(i, i + 10).map((text, k) => ({ stream: k % 5 === 4 ? OutputStream.STDERR : OutputStream.STDOUT, text }));
      const r = await f.workers.appendJobOutput({ jobId, workerId, attempt: 1, seq, chunks });
      assert.equal(r.duplicate, false);
    }
    const again = await f.workers.appendJobOutput({ jobId, workerId, attempt: 1, seq, chunks: [{ stream: OutputStream.STDOUT, text: "again\n" }] });
    assert.equal(again.duplicate, true);

    const whole = lines.join("");
    const read = await readAll(f.jobs, jobId);
    assert.equal(read.size, BigInt(Buffer.byteLength(whole)));
    const notices = read.chunks.filter((c) => c.stream === OutputStream.NOTICE);
    assert.equal(notices.length, 1, "one hole, between head and tail");
    const left = Number(/(\d+) bytes of output left out/.exec(notices[0]!.text)?.[1]);
    const text = joined(read.chunks, false);
    assert.equal(text.length + left, whole.length, "the notice counts exactly what is missing");
    assert.ok(whole.startsWith(text.slice(0, 1000)), "the head is the start of the output");
    assert.ok(whole.endsWith(text.slice(-1000)), "the tail is the end of the output");
    assert.ok(text.length <= CAP + 10 * 32, `about the cap is kept (${text.length} bytes)`);
    assert.ok(!text.includes("again"));
    // stdout and stderr stay apart.
    assert.ok(read.chunks.some((c) => c.stream === OutputStream.STDERR && /line 0004/.test(c.text)));
    // From the end: the latest output.
    const end = await f.jobs.getJobOutput({ jobId, fromEnd: true, maxBytes: 100 });
    assert.ok(joined(end.chunks).endsWith(lines.at(-1)!));
  });

  it("keeps two attempts apart; an ended attempt takes no more output and only its holder may append", async () => {
    const f = await queueFixture(t, "connect", "attempts");
    const jobId = await f.createJob({ maxAttempts: 2 });
    const workerId = await f.registerWorker();
    const other = await f.registerWorker();
    const project = { case: "projectId" as const, value: f.project.id };
    assert.equal((await f.jobs.getJobOutput({ jobId })).attempt, 0, "no attempt yet: an empty page");

    await f.workers.fetchJob({ workerId, project });
    await f.workers.appendJobOutput({ jobId, workerId, attempt: 1, seq: 1n, chunks: [{ stream: OutputStream.STDOUT, text: "first try\n" }] });
    await rejectsWith(f.workers.appendJobOutput({ jobId, workerId: other, attempt: 1, seq: 2n, chunks: [{ stream: OutputStream.STDOUT, text: "not mine\n" }] }), Code.FailedPrecondition, /does not hold/);
    await f.workers.finishJob({ jobId, workerId, success: false, outputTail: "first try\n" });
    await rejectsWith(f.workers.appendJobOutput({ jobId, workerId, attempt: 1, seq: 3n, chunks: [{ stream: OutputStream.STDOUT, text: "late\n" }] }), Code.FailedPrecondition, /has ended/);

    const [second] = (await eventually("the retry's claim", async () => {
      const r = await f.workers.fetchJob({ workerId, project });
      return r.jobs.length > 0 ? r.jobs : undefined;
    }));
    assert.equal(second!.runs, 2);
    await f.workers.appendJobOutput({ jobId, workerId, attempt: 2, seq: 1n, chunks: [{ stream: OutputStream.STDERR, text: "second try\n" }] });

    assert.equal(joined((await readAll(f.jobs, jobId, 1)).chunks), "first try\n");
    const latest = await readAll(f.jobs, jobId);
    assert.equal(latest.attempt, 2);
    assert.equal(latest.ended, false);
    assert.equal(joined(latest.chunks), "second try\n");
    await rejectsWith(f.jobs.getJobOutput({ jobId, attempt: 3 }), Code.NotFound, /attempt/);
  });

  it("follows an attempt from before its first claim to its end, woken by events", async () => {
    const f = await queueFixture(t, "grpc-js", "follow");
    const jobs = t.client(JobService, "grpc-js");
    const jobId = await f.createJob();
    const workerId = await f.registerWorker();
    const received: OutputChunk[] = [];
    let arrived: () => void = () => undefined;
    const follow = (async () => {
      for await (const msg of jobs.followJobOutput({ jobId })) {
        received.push(...msg.chunks);
        arrived();
      }
    })();
    const next = (n: number) => new Promise<void>((resolve) => {
      arrived = () => received.length >= n && resolve();
      arrived();
    });
    await f.workers.fetchJob({ workerId, project: { case: "projectId", value: f.project.id }, start: true });
    for (let i = 1; i <= 3; i++) {
      await f.workers.appendJobOutput({ jobId, workerId, attempt: 1, seq: BigInt(i), chunks: [{ stream: OutputStream.STDOUT, text: `step ${i}\n` }] });
      await next(i);
      assert.equal(received.at(-1)!.text, `step ${i}\n`);
    }
    await f.workers.finishJob({ jobId, workerId, success: true });
    await follow;
    assert.equal(joined(received), "step 1\nstep 2\nstep 3\n");
  });

  it("a follow of a job that never runs ends when the job is cancelled; the next attempt is waited for", async () => {
    const f = await queueFixture(t, "connect", "settles");
    const jobId = await f.createJob({ maxAttempts: 2 });
    const nothing = (async () => {
      const got: unknown[] = [];
      for await (const msg of f.jobs.followJobOutput({ jobId })) got.push(msg);
      return got;
    })();
    await f.jobs.cancelJob({ id: jobId });
    assert.deepEqual(await nothing, [], "ended without output once the job was cancelled");

    const retried = await f.createJob({ maxAttempts: 2 });
    const workerId = await f.registerWorker();
    const project = { case: "projectId" as const, value: f.project.id };
    await f.workers.fetchJob({ workerId, project, start: true });
    const second = (async () => {
      const got: Array<{ attempt: number; text: string }> = [];
      for await (const msg of f.jobs.followJobOutput({ jobId: retried, attempt: 2 })) got.push({ attempt: msg.attempt, text: joined(msg.chunks) });
      return got;
    })();
    await f.workers.appendJobOutput({ jobId: retried, workerId, attempt: 1, seq: 1n, chunks: [{ stream: OutputStream.STDOUT, text: "one\n" }] });
    await f.workers.finishJob({ jobId: retried, workerId, success: false });
    await eventually("the retry's claim", async () => ((await f.workers.fetchJob({ workerId, project, start: true })).jobs.length > 0 ? true : undefined));
    await f.workers.appendJobOutput({ jobId: retried, workerId, attempt: 2, seq: 1n, chunks: [{ stream: OutputStream.STDOUT, text: "two\n" }] });
    await f.workers.finishJob({ jobId: retried, workerId, success: true });
    const got = await second;
    assert.equal(got.map((m) => m.text).join(""), "two\n");
    assert.ok(got.every((m) => m.attempt === 2));
  });

  it("follows output appended through another replica (PostgreSQL: NOTIFY carries it)", { skip: !process.env.DATABASE_URL && "one process on the embedded database" }, async () => {
    const config = loadConfig({ DATABASE_URL: t.databaseUrl, WHATSNEXT_PORT: "0", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", WHATSNEXT_JOB_OUTPUT_MAX_BYTES: String(CAP) });
    const second = await startServer(config, createLogger(config.LOG_LEVEL));
    try {
      const f = await queueFixture(t, "connect", "replicas");
      const jobId = await f.createJob();
      const workerId = await f.registerWorker();
      await f.workers.fetchJob({ workerId, project: { case: "projectId", value: f.project.id }, start: true });
      const onSecond = createClient(JobService, transportFor("connect", second.url));
      const stream = onSecond.followJobOutput({ jobId })[Symbol.asyncIterator]();
      const first = await stream.next(); // the attempt is known: the follow is in place
      assert.equal(first.value?.attempt, 1);
      await f.workers.appendJobOutput({ jobId, workerId, attempt: 1, seq: 1n, chunks: [{ stream: OutputStream.STDOUT, text: "from the first replica\n" }] });
      const next = await stream.next();
      assert.equal(joined(next.value!.chunks), "from the first replica\n");
      await f.workers.finishJob({ jobId, workerId, success: true });
      assert.equal((await stream.next()).done, true, "ends with the attempt, also heard through the other replica");
    } finally {
      await second.close(1000);
    }
  });

  it("falls back to FinishJob's tail for a worker that did not stream; output goes with its job and expires after retention", async () => {
    const f = await queueFixture(t, "connect", "fallback");
    const project = { case: "projectId" as const, value: f.project.id };
    const workerId = await f.registerWorker();
    const quiet = await f.createJob();
    await f.workers.fetchJob({ workerId, project, start: true });
    await f.workers.finishJob({ jobId: quiet, workerId, success: true, outputTail: "only the tail\n" });
    const page = await f.jobs.getJobOutput({ jobId: quiet });
    assert.deepEqual(page.chunks.map((c) => [c.stream, c.text]), [[OutputStream.COMBINED, "only the tail\n"]]);
    assert.equal(page.ended, true);

    const streamed = await f.createJob();
    await f.workers.fetchJob({ workerId, project, start: true });
    await f.workers.appendJobOutput({ jobId: streamed, workerId, attempt: 1, seq: 1n, chunks: [{ stream: OutputStream.STDOUT, text: "kept for a while\n" }] });
    await f.workers.finishJob({ jobId: streamed, workerId, success: true });
    const rows = async (jobId: bigint) => (await t.server.app.db.sql.query<{ n: number }>(`select count(*)::int as n from job_output where job_id = ?`, [Number(jobId)]))[0]!.n;
    await eventually("output retention", async () => ((await rows(streamed)) === 0 ? true : undefined));
    const expired = await f.jobs.getJobOutput({ jobId: streamed });
    assert.match(joined(expired.chunks), /17 bytes of output expired/);

    const deleted = await f.createJob();
    await f.workers.fetchJob({ workerId, project, start: true });
    await f.workers.appendJobOutput({ jobId: deleted, workerId, attempt: 1, seq: 1n, chunks: [{ stream: OutputStream.STDOUT, text: "gone with the job\n" }] });
    assert.equal(await rows(deleted), 1);
    await f.workers.finishJob({ jobId: deleted, workerId, success: true });
    await f.jobs.deleteJob({ id: deleted });
    assert.equal(await rows(deleted), 0);
  });
});

describe("whatsnext jobs logs and the CLI worker", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ WHATSNEXT_RETRY_BACKOFF_SECONDS: "0" });
  });
  after(async () => {
    await t?.close();
  });

  it("follows a running job from the CLI: each line arrives within a second of being printed; stdout and stderr stay apart", async () => {
    const name = uniqueName("logs");
    const projects = t.client(ProjectService);
    const project = (await projects.createProject({ name })).project!;
    const job = script(`for i in $(seq 1 30); do echo "line $i $(date +%s%3N)"; if [ $((i % 10)) -eq 0 ]; then echo "err $i" >&2; fi; sleep 0.1; done`);
    await t.client(TaskService).createTask({ projectId: project.id, name: "print", commandTemplate: `bash ${job}` });
    const created = (await t.client(JobService).createJob({ projectId: project.id, task: { case: "taskName", value: "print" } })).job!;
    const env = { WHATSNEXT_SERVER: t.url, WHATSNEXT_PROJECT: name };

    // Followed before any worker claimed it: the follow waits for the first attempt.
    const follower = startCli(["jobs", "logs", String(created.id), "-f"], { env });
    const lateness = new Map<number, number>();
    let partial = "";
    follower.child.stdout.on("data", (data: string) => {
      const now = Date.now();
      partial += data;
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        const m = /^line (\d+) (\d+)$/.exec(line);
        if (m) lateness.set(Number(m[1]), now - Number(m[2]));
      }
    });
    const worker = startCli(["worker", "--once", "--wait", "10"], { env });
    await follower.waitFor(/line 1 /, "stdout");
    // While it runs, `jobs show` points to the live output.
    assert.match((await runCliOnce(["jobs", "show", String(created.id)], env)).stdout, new RegExp(`--- output: whatsnext jobs logs ${created.id} -f ---`));
    const followed = await follower.done;
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal((await worker.done).code, 0);
    assert.deepEqual([...lateness.keys()], Array.from({ length: 30 }, (_, i) => i + 1), "every line, in order, on stdout");
    assert.ok(lateness.get(30)! < 1000, `the last line arrived ${lateness.get(30)} ms after it was printed`);
    assert.doesNotMatch(followed.stdout, /err/);
    assert.match(followed.stderr, /err 10\n(.|\n)*err 20\n(.|\n)*err 30\n/);

    // Afterwards: the whole output, the last lines, one stream.
    const whole = await runCliOnce(["jobs", "logs", String(created.id)], env);
    assert.equal(whole.stdout.split("\n").filter((l) => l.startsWith("line ")).length, 30);
    const tail = await runCliOnce(["jobs", "logs", String(created.id), "--tail", "2", "--stream", "stderr"], env);
    assert.equal(tail.stdout, "err 20\nerr 30\n");
  });

  it("follows a job into a retry that has already run and ended when the first attempt's stream closes", async () => {
    const f = await queueFixture(t, "connect", "fast-retry");
    const jobId = await f.createJob({ maxAttempts: 2 });
    const workerId = await f.registerWorker();
    const project = { case: "projectId" as const, value: f.project.id };
    await f.workers.fetchJob({ workerId, project, start: true });
    await f.workers.appendJobOutput({ jobId, workerId, attempt: 1, seq: 1n, chunks: [{ stream: OutputStream.STDOUT, text: "try 1 breaks\n" }] });
    const follower = startCli(["jobs", "logs", String(jobId), "-f"], { env: { WHATSNEXT_SERVER: t.url, WHATSNEXT_PROJECT: f.project.name } });
    await follower.waitFor(/try 1 breaks/, "stdout");
    // The follower is held still (SIGSTOP) while the retry is claimed in the call that reports the
    // failure, prints and completes: the job is COMPLETED by the time it learns that attempt 1 ended.
    follower.child.kill("SIGSTOP");
    try {
      const failed = await f.workers.finishJob({ jobId, workerId, success: false, next: { workerId, project, start: true } });
      assert.equal(failed.next?.jobs[0]?.runs, 2, "the retry claimed with the failure");
      await f.workers.appendJobOutput({ jobId, workerId, attempt: 2, seq: 1n, chunks: [{ stream: OutputStream.STDOUT, text: "try 2 works\n" }] });
      await f.workers.finishJob({ jobId, workerId, success: true });
    } finally {
      follower.child.kill("SIGCONT");
    }
    const followed = await follower.done;
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(followed.stdout, "try 1 breaks\ntry 2 works\n");
    assert.match(followed.stderr, /\[attempt 1 ended; following attempt 2\]/);
  });

  it("follows a job into its retry: both attempts' output, with a line between them", async () => {
    const name = uniqueName("retry");
    const project = (await t.client(ProjectService).createProject({ name })).project!;
    const dir = mkdtempSync(join(tmpdir(), "wn-output-"));
    const [marker, gate] = [join(dir, "tried"), join(dir, "gate")];
    // The first try waits for the gate, so the follower is on it before it fails.
    const job = script(`if [ -e ${marker} ]; then echo "try 2 works"; else touch ${marker}; echo "try 1 breaks"; while [ ! -e ${gate} ]; do sleep 0.05; done; exit 1; fi`);
    await t.client(TaskService).createTask({ projectId: project.id, name: "flaky", commandTemplate: `bash ${job}` });
    const created = (await t.client(JobService).createJob({ projectId: project.id, task: { case: "taskName", value: "flaky" }, maxAttempts: 2 })).job!;
    const env = { WHATSNEXT_SERVER: t.url, WHATSNEXT_PROJECT: name };
    const follower = startCli(["jobs", "logs", String(created.id), "-f"], { env });
    const worker = startCli(["worker", "--max-jobs", "2", "--wait", "10"], { env });
    await follower.waitFor(/try 1 breaks/, "stdout");
    writeFileSync(gate, "");
    const followed = await follower.done;
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal((await worker.done).code, 0);
    assert.equal(followed.stdout, "try 1 breaks\ntry 2 works\n");
    assert.match(followed.stderr, /\[attempt 1 ended; following attempt 2\]/);
    const first = await runCliOnce(["jobs", "logs", String(created.id), "--attempt", "1"], env);
    assert.equal(first.stdout, "try 1 breaks\n");
  });

  it("a server restart while a job prints loses at most what the worker's buffer could not hold, and says how much", async () => {
    const db = await createTestDatabase();
    const dataDir = db.url ? "memory://" : mkdtempSync(join(tmpdir(), "wn-output-data-"));
    const env = { WHATSNEXT_PORT: "0", WHATSNEXT_DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", DATABASE_URL: db.url };
    let server: RunningServer | undefined = await startServer(loadConfig(env), createLogger("silent"));
    const port = new URL(server.url).port;
    const url = server.url;
    const client = <S extends Parameters<typeof createClient>[0]>(service: S) => createClient(service, transportFor("connect", url));
    let worker: ReturnType<typeof startCli> | undefined;
    try {
      const name = uniqueName("restart");
      const project = (await client(ProjectService).createProject({ name })).project!;
      // About 3 KB a second, for 6 seconds; the worker holds at most 2 KiB.
      const job = script(`for i in $(seq 1 300); do printf 'line %04d %s\n' $i ${"x".repeat(50)}; sleep 0.02; done`);
      await client(TaskService).createTask({ projectId: project.id, name: "print", commandTemplate: `bash ${job}` });
      const jobId = (await client(JobService).createJob({ projectId: project.id, task: { case: "taskName", value: "print" } })).job!.id;
      worker = startCli(["worker", "--once", "--wait", "10", "--output-buffer", "2048"], { env: { WHATSNEXT_SERVER: url, WHATSNEXT_PROJECT: name } });
      for await (const msg of client(JobService).followJobOutput({ jobId })) if (/line 0020/.test(joined(msg.chunks))) break;

      await server.close(1000);
      server = undefined;
      await new Promise((resolve) => setTimeout(resolve, 2000)); // the outage
      server = await startServer(loadConfig({ ...env, WHATSNEXT_PORT: port }), createLogger("silent"));

      const done = await worker.done;
      assert.equal(done.code, 0, done.stderr);
      const jobs = client(JobService);
      assert.equal((await jobs.getJob({ id: jobId })).job!.status, JobStatus.COMPLETED);
      const { chunks } = await readAll(jobs, jobId);
      let expected = 1;
      let announced = 0;
      let notices = 0;
      for (const line of joined(chunks).split(/(?<=\n)|(?=⟨)|(?<=⟩)/)) {
        const notice = /^⟨.*?(\d+) bytes of output dropped/.exec(line);
        if (notice) {
          announced += Number(notice[1]);
          notices++;
          continue;
        }
        if (line === "") continue;
        const m = /^line (\d{4}) x+\n$/.exec(line);
        assert.ok(m, `a whole line: ${JSON.stringify(line)}`);
        const n = Number(m[1]);
        assert.ok(n >= expected, `line ${n} comes once and in order`);
        // Every line missing before this one was announced, to the byte.
        announced -= (n - expected) * line.length;
        assert.equal(announced, 0, `the lines before ${n} that are missing are the bytes a notice announced`);
        expected = n + 1;
      }
      assert.equal(expected, 301, "the output ends with the last line");
      assert.ok(notices >= 1, "the outage outlasted the worker's buffer, and the output says so");
    } finally {
      worker?.child.kill("SIGKILL");
      await worker?.done;
      await server?.close(1000);
      await db.drop();
    }
  });
});

/** Runs the CLI to its end. */
async function runCliOnce(args: string[], env: Record<string, string>) {
  const run = startCli(args, { env });
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  return r;
}

describe("job output with API keys", () => {
  const admin = testSecret("admin");
  const worker = testSecret("worker");
  const viewer = testSecret("viewer");
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ WHATSNEXT_API_KEYS: `root:admin:${admin},w:worker:${worker},v:viewer:${viewer}` });
  });
  after(async () => {
    await s?.close();
  });

  it("a viewer key reads and follows; a key for another project does not; a viewer may not append", async () => {
    const asAdmin = { authorization: `Bearer ${admin}` };
    const projects = s.client(ProjectService, "connect", asAdmin);
    const mine = (await projects.createProject({ name: uniqueName("mine") })).project!;
    const theirs = (await projects.createProject({ name: uniqueName("theirs") })).project!;
    await s.client(TaskService, "connect", asAdmin).createTask({ projectId: mine.id, name: "run", commandTemplate: "run" });
    const { job } = await s.client(JobService, "connect", asAdmin).createJob({ projectId: mine.id, task: { case: "taskName", value: "run" } });
    const workers = s.client(WorkerService, "connect", { authorization: `Bearer ${worker}` });
    const workerId = (await workers.registerWorker({ id: uniqueName("w") })).worker!.id;
    await workers.fetchJob({ workerId, project: { case: "projectId", value: mine.id }, start: true });
    await workers.appendJobOutput({ jobId: job!.id, workerId, attempt: 1, seq: 1n, chunks: [{ stream: OutputStream.STDOUT, text: "secret sauce\n" }] });

    const asViewer = s.client(JobService, "connect", { authorization: `Bearer ${viewer}` });
    assert.equal(joined((await asViewer.getJobOutput({ jobId: job!.id })).chunks), "secret sauce\n");
    const followed: string[] = [];
    const abort = new AbortController();
    for await (const msg of asViewer.followJobOutput({ jobId: job!.id }, { signal: abort.signal })) {
      followed.push(joined(msg.chunks));
      abort.abort();
      break;
    }
    assert.deepEqual(followed, ["secret sauce\n"]);
    await rejectsWith(s.client(WorkerService, "connect", { authorization: `Bearer ${viewer}` }).appendJobOutput({ jobId: job!.id, workerId, attempt: 1, seq: 2n, chunks: [{ stream: OutputStream.STDOUT, text: "x" }] }), Code.PermissionDenied);

    const keys = s.client(KeyService, "connect", asAdmin);
    const other = (await keys.createApiKey({ name: uniqueName("other"), role: Role.VIEWER, projectId: theirs.id })).secret;
    const ownKey = (await keys.createApiKey({ name: uniqueName("own"), role: Role.VIEWER, projectId: mine.id })).secret;
    const asOther = s.client(JobService, "connect", { authorization: `Bearer ${other}` });
    await rejectsWith(asOther.getJobOutput({ jobId: job!.id }), Code.PermissionDenied);
    const stream = asOther.followJobOutput({ jobId: job!.id });
    await rejectsWith((async () => {
      for await (const _ of stream) assert.fail("a key of another project followed the output");
    })(), Code.PermissionDenied);
    const asOwn = s.client(JobService, "connect", { authorization: `Bearer ${ownKey}` });
    assert.equal(joined((await asOwn.getJobOutput({ jobId: job!.id })).chunks), "secret sauce\n");
  });
});
