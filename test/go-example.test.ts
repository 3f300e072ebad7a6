/**
 * The Go example (examples/go) as a Go developer builds it, offline from
 * Debian's packages (examples/go/build.sh: protoc, protoc-gen-go,
 * protoc-gen-go-grpc, /usr/share/gocode), run against a real server: a
 * submitter puts 500 jobs in chains of five, some failing once and retried,
 * some failing for good (their chains BLOCKED), and three Go workers run them.
 * Every run is done exactly once. Skipped outside CI when Go is missing; in
 * CI (.ci/run installs the packages) it must run.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, it } from "node:test";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { JobService } from "../gen/whatsnext/v1/job_pb.js";
import { WorkerService } from "../gen/whatsnext/v1/worker_pb.js";
import { uniqueName } from "./support/queue-fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGES = "golang-go protobuf-compiler protoc-gen-go protoc-gen-go-grpc golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev golang-google-genproto-dev";
const RUN_TIMEOUT_MS = 5 * 60_000;

const missing = ["go", "protoc", "protoc-gen-go", "protoc-gen-go-grpc"].filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
const why = missing.length > 0 ? `needs ${missing.join(", ")} (apt-get install ${PACKAGES}; .ci/run installs them)` : "";
const skip = why !== "" && process.env.CI !== "true" ? why : false;

let t: TestServer;
let out: string;
before(async () => {
  if (skip) return;
  t = await startTestServer({ WHATSNEXT_LEASE_SECONDS: "30", WHATSNEXT_RETRY_BACKOFF_SECONDS: "0" });
  out = await mkdtemp(join(tmpdir(), "wn-go-example-"));
});
after(async () => {
  await t?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

it("a Go worker and submitter built from proto/ with Debian's packages run 500 jobs exactly once", { skip, timeout: 2 * RUN_TIMEOUT_MS + 120_000 }, async () => {
  if (why) assert.fail(`${why}; CI must run the Go example`);
  const build = await run("bash", [join(ROOT, "examples/go/build.sh"), out]);
  assert.equal(build.code, 0, `build failed:\n${build.output}`);

  const project = uniqueName("go-example");
  const addr = new URL(t.url).host;
  // The workers start once the submitter says its batch is in, so none of them stops before there is work.
  let batchIn = false;
  let submittedBatch!: () => void;
  const batchInEvent = new Promise<void>((resolve) => (submittedBatch = resolve));
  const submitting = run(join(out, "bin/submitter"), ["-addr", addr, "-project", project, "-jobs", "500"], (output) => {
    if (/submitted 500 jobs/.test(output)) {
      batchIn = true;
      submittedBatch();
    }
  });
  await Promise.race([batchInEvent, submitting]);
  const early = batchIn ? undefined : await submitting;
  if (early) assert.fail(`the submitter ended before its batch was in:\n${early.output}`);
  const workers = await Promise.all([1, 2, 3].map((i) => run(join(out, "bin/worker"), ["-addr", addr, "-project", project, "-id", `${project}-w${i}`, "-max-jobs", "7"])));
  const submitted = await submitting;
  for (const w of workers) assert.equal(w.code, 0, `a worker failed:\n${w.output.slice(-5000)}`);
  assert.equal(submitted.code, 0, `the submitter failed:\n${submitted.output.slice(-5000)}`);

  // 100 chains of 5: 5 chains start with a job that fails both attempts (its 4 dependents BLOCKED), 10 with one that fails once.
  const summary = JSON.parse(submitted.stdout.trim().split("\n").pop()!);
  assert.deepEqual(summary, { completed: 475, failed: 5, blocked: 20, cancelled: 0 });

  // Exactly once: every (job, attempt) ran once, in one worker; 475 successes, 10 + 10 failed attempts.
  const runs = workers.flatMap((w) => w.stdout.split("\n").filter((line) => line.startsWith("ran ")));
  const keys = runs.map((line) => line.split(" ").slice(1, 3).join("/"));
  assert.equal(new Set(keys).size, keys.length, "no attempt ran twice");
  assert.equal(runs.filter((line) => line.endsWith(" ok")).length, 475);
  assert.equal(runs.filter((line) => line.endsWith(" failed")).length, 20);
  assert.ok(workers.every((w) => w.stdout.includes("ran ")), "every worker took part");

  // The server agrees: every job ended as planned, and the workers deactivated themselves.
  const jobs = t.client(JobService, "grpc-js");
  const all = [];
  let pageToken = "";
  do {
    const page = await jobs.listJobs({ projectName: project, pageSize: 1000, pageToken });
    all.push(...page.jobs);
    pageToken = page.nextPageToken;
  } while (pageToken);
  assert.equal(all.length, 500);
  const retried = all.filter((j) => j.status === JobStatus.COMPLETED && j.attempts === 2);
  assert.equal(retried.length, 10, "the jobs that failed once completed on their second attempt");
  assert.ok(all.filter((j) => j.status === JobStatus.FAILED).every((j) => j.attempts === 2 && j.exitCode === 3));
  const listed = await t.client(WorkerService, "grpc-js").listWorkers({ includeInactive: true, pageSize: 1000 });
  const ours = listed.workers.filter((w) => w.id.startsWith(project));
  assert.equal(ours.length, 3);
  assert.ok(ours.every((w) => !w.active));
});

/**
 * Runs a command in a process group of its own, ended as a whole when done or
 * overdue; onOutput sees everything it printed so far, after each chunk.
 */
function run(command: string, args: string[], onOutput?: (output: string) => void): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      output += chunk.toString("utf8");
      onOutput?.(output);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      onOutput?.(output);
    });
    const timer = setTimeout(() => killGroup(child.pid), RUN_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      killGroup(child.pid);
      resolve({ code, stdout, output });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group is gone already.
  }
}
