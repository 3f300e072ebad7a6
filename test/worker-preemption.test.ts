/**
 * The worker command's time and preemption awareness, as real processes
 * against a real server: --walltime and SLURM_JOB_END_TIME hand out only jobs
 * expected to fit, and a --preemptible worker sent SIGTERM mid-job releases
 * it as preempted (no attempt spent) with the checkpoint hint the job wrote,
 * which the next attempt receives as WHATSNEXT_CHECKPOINT.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { connect, type WhatsNextClient } from "../src/client/index.js";
import { killGroup } from "./support/process-table.js";
import { ok, runCli, startCli, tempFolder, type CliResult } from "./support/run-cli.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { until } from "./support/until.js";

let t: TestServer;
let client: WhatsNextClient;
before(async () => {
  t = await startTestServer();
  client = connect({ server: t.url });
});
after(async () => {
  client?.close();
  await t?.close();
});

function cli(project: string, extraEnv: Record<string, string> = {}) {
  return (args: string[]): Promise<CliResult> => runCli(args, { env: { WHATSNEXT_SERVER: t.url, WHATSNEXT_PROJECT: project, ...extraEnv } });
}

/** The `summary` line a worker prints last with --json. */
function summary(r: CliResult): { claimed: number; succeeded: number; released: number } {
  const line = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string }).find((e) => e.type === "summary");
  assert.ok(line, `no summary in ${r.stdout}\n${r.stderr}`);
  return line as unknown as { claimed: number; succeeded: number; released: number };
}


describe("worker time left and preemption", () => {
  it("with --walltime 10m takes the 5-minute jobs and leaves the 60-minute one; SLURM_JOB_END_TIME limits it the same way", async () => {
    const wn = cli("wt");
    ok(await wn(["projects", "create", "wt"]), "project");
    await Promise.all([
      wn(["tasks", "create", "short", "--command", "true", "--expected-duration", "5m"]),
      wn(["tasks", "create", "long", "--command", "true", "--expected-duration", "60m"]),
    ]).then((rs) => rs.forEach((r) => ok(r, "task")));
    const shown = ok(await wn(["tasks", "show", "long"]), "tasks show").stdout;
    assert.match(shown, /expected duration:\s+1h/);
    // The long job first: by priority it would be handed out before the short one.
    const long = ok(await wn(["jobs", "add", "long", "--priority", "10", "--json"]), "add").json<{ id: string }>();
    const short = ok(await wn(["jobs", "add", "short", "--json"]), "add").json<{ id: string }>();
    // A job's own expected duration wins over its task's.
    const quickLong = ok(await wn(["jobs", "add", "long", "--name", "quick", "--expected-duration", "1m", "--json"]), "add").json<{ id: string; expectedDuration: string }>();
    assert.equal(quickLong.expectedDuration, "60s");

    const first = await wn(["worker", "--walltime", "10m", "--wait", "1", "--max-jobs", "2", "--json"]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(summary(first).claimed, 2);
    const again = await wn(["worker", "--walltime", "10m", "--once", "--wait", "0", "--json"]);
    assert.equal(summary(again).claimed, 0, "nothing left fits 10 minutes");
    const [s, l] = await Promise.all([client.jobs.getJob({ id: BigInt(short.id) }), client.jobs.getJob({ id: BigInt(long.id) })]);
    assert.equal(s.job!.status, JobStatus.COMPLETED);
    assert.equal(l.job!.status, JobStatus.PENDING);
    assert.equal((await client.jobs.getJob({ id: BigInt(quickLong.id) })).job!.status, JobStatus.COMPLETED);

    // Inside a SLURM allocation that ends in 20 minutes the long job does not fit either; in about 2 hours it does.
    const now = Math.floor(Date.now() / 1000);
    const slurmShort = await cli("wt", { SLURM_JOB_END_TIME: String(now + 20 * 60) })(["worker", "--once", "--wait", "0", "--json"]);
    assert.equal(summary(slurmShort).claimed, 0, slurmShort.stderr);
    // Half a minute short of 2 hours: whenever within that second the worker starts, it reads 1h59m and some seconds.
    const slurmLong = await cli("wt", { SLURM_JOB_END_TIME: String(now + 2 * 3600 - 30) })(["worker", "--once", "--wait", "1"]);
    assert.equal(slurmLong.code, 0, slurmLong.stderr);
    assert.match(slurmLong.stderr, /, 1h59m\d*s? left \(SLURM_JOB_END_TIME\)/);
    assert.equal((await client.jobs.getJob({ id: BigInt(long.id) })).job!.status, JobStatus.COMPLETED);

    const bad = await wn(["worker", "--walltime", "soon", "--once"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /walltime must be a duration such as 90m/);
  });

  it("a --preemptible worker sent SIGTERM stops its job, releases it as preempted with the job's checkpoint hint, and the next attempt gets it", async () => {
    const dir = tempFolder("wn-preempt-");
    const script = join(dir, "job.sh");
    writeFileSync(
      script,
      `#!/usr/bin/env bash
if [ -n "\${WHATSNEXT_CHECKPOINT-}" ]; then echo "resumed from $WHATSNEXT_CHECKPOINT"; exit 0; fi
trap 'echo "step-42" > "$WHATSNEXT_CHECKPOINT_FILE"; echo "saved a checkpoint"; exit 143' TERM
echo $$ > "${dir}/pid"
while true; do sleep 0.1; done
`,
      { mode: 0o755 },
    );
    const wn = cli("pre");
    ok(await wn(["projects", "create", "pre"]), "project");
    ok(await wn(["tasks", "create", "train", "--command", `bash ${script}`]), "task");
    const job = ok(await wn(["jobs", "add", "train", "--max-attempts", "1", "--json"]), "add").json<{ id: string }>();
    const id = BigInt(job.id);

    const worker = startCli(["worker", "--preemptible", "--wait", "5", "--grace", "600"], { env: { WHATSNEXT_SERVER: t.url, WHATSNEXT_PROJECT: "pre" } });
    let pid: number | undefined;
    try {
      await until("the job to run", async () => existsSync(join(dir, "pid")) && (await client.jobs.getJob({ id })).job!.status === JobStatus.RUNNING);
      pid = Number(readFileSync(join(dir, "pid"), "utf8"));
      assert.equal((await client.jobs.getJob({ id })).job!.attempts, 1);
      worker.child.kill("SIGTERM");
      const done = await worker.done;
      // Not the grace period of an ordinary stop: released at once, as preempted.
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stderr, /job \d+ released back to the queue as preempted: worker preempted \(SIGTERM\).*\(checkpoint "step-42"\)/);
    } finally {
      worker.child.kill("SIGKILL");
      if (pid) killGroup(pid);
    }
    const released = (await client.jobs.getJob({ id })).job!;
    assert.equal(released.status, JobStatus.PENDING);
    assert.equal(released.attempts, 0, "a preemption spends no attempt");
    assert.equal(released.checkpoint, "step-42");

    // The next attempt starts from the checkpoint; the job shows both attempts.
    const next = await wn(["worker", "--once", "--wait", "5"]);
    assert.equal(next.code, 0, next.stderr);
    const shown = ok(await wn(["jobs", "show", job.id, "--json"]), "jobs show").json<{ status: string; outputTail: string; attempts: Array<{ outcome: string; outputTail: string; message: string }> }>();
    assert.equal(shown.status, "JOB_STATUS_COMPLETED");
    assert.match(shown.outputTail, /resumed from step-42/);
    assert.deepEqual(
      shown.attempts.map((a) => a.outcome),
      ["ATTEMPT_OUTCOME_PREEMPTED", "ATTEMPT_OUTCOME_COMPLETED"],
    );
    assert.match(shown.attempts[0]!.message, /worker preempted \(SIGTERM\)/);
  });
});
