/**
 * The sweep story of issue #15 from the command line, end to end: a
 * 3-parameter random sweep of 200 jobs run by two real workers, one of them
 * preempted mid-run (its job released with a checkpoint and resumed from it
 * elsewhere), the failures retried with one command, and every attempt's
 * provenance read back. The test only watches the server through the SDK to
 * know when to act; every step a person takes is a `whatsnext` process.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { connect, type WhatsNextClient } from "../src/client/index.js";
import { ok, runCli, startCli, tempFolder } from "./support/run-cli.js";
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

interface AttemptJson {
  number: number;
  workerId: string;
  workerName: string;
  workerHost: string;
  outcome: string;
  command: string;
  exitCode?: number;
  startTime?: string;
  finishTime?: string;
  outputTail: string;
}
interface JobAttemptsJson {
  jobId: string;
  status: string;
  parameters: { lr: number; layers: number; optimizer: string };
  attempts: AttemptJson[];
}


it("a 200-job random sweep on two workers, one preempted mid-run; failures retried with one command; every attempt's provenance read, all from the CLI", { timeout: 300_000 }, async () => {
  const dir = tempFolder("wn-e2e-");
  const env = { WHATSNEXT_SERVER: t.url, WHATSNEXT_PROJECT: "e2e" };
  const wn = (args: string[]) => runCli(args, { env, cwd: dir });
  // A job: resumes from a checkpoint when it has one; on worker "a", while `hold` exists, runs until stopped
  // (saving a checkpoint on SIGTERM); jobs drawn with optimizer "lion" fail on their first run.
  const script = join(dir, "train.sh");
  writeFileSync(
    script,
    `#!/usr/bin/env bash
lr=$1 layers=$2 opt=$3 id=$4
echo "train lr=$lr layers=$layers opt=$opt"
if [ -n "\${WHATSNEXT_CHECKPOINT-}" ]; then echo "resumed from $WHATSNEXT_CHECKPOINT"; exit 0; fi
if [ "\${ROLE-}" = a ] && [ -e "${dir}/hold" ]; then
  trap 'echo "epoch-3-of-$id" > "$WHATSNEXT_CHECKPOINT_FILE"; exit 143' TERM
  touch "${dir}/held-$id"
  while true; do sleep 0.05; done
fi
if [ "$opt" = lion ] && [ ! -e "${dir}/ran-$id" ]; then touch "${dir}/ran-$id"; echo "loss is NaN" >&2; exit 3; fi
sleep 0.02
`,
    { mode: 0o755 },
  );
  const sweepFile = join(dir, "search.yaml");
  writeFileSync(
    sweepFile,
    `task: train
random:
  seed: 2026
  count: 200
  parameters:
    lr: {log_uniform: [1.0e-5, 1.0e-1]}
    layers: {int_uniform: [2, 12]}
    optimizer: [adam, sgd, lion, adamw]
`,
  );
  ok(await wn(["projects", "create", "e2e"]), "project");
  ok(await wn(["tasks", "create", "train", "--command", `bash ${script} {lr} {layers} {optimizer} {job_id}`]), "task");
  const created = ok(await wn(["sweep", "create", sweepFile, "--json"]), "sweep create").json<{ sweep: { id: string; name: string }; createdJobs: string }>();
  assert.deepEqual([created.sweep.name, created.createdJobs], ["search", "200"]);
  const sweepId = BigInt(created.sweep.id);
  const counts = async () => (await client.sweeps.getSweep({ sweep: { sweep: { case: "id", value: sweepId } } })).sweep!.counts!;

  const workerArgs = ["worker", "--cpus", "2", "--wait", "2"];
  const a = startCli([...workerArgs, "--name", "node-a", "--preemptible"], { env: { ...env, ROLE: "a" }, cwd: dir });
  const b = startCli([...workerArgs, "--name", "node-b"], { env: { ...env, ROLE: "b" }, cwd: dir });
  try {
    // Once worker a is into the sweep, its next job holds until the worker is preempted.
    await a.waitFor(/(?:job \d+ (?:completed|FAILED)[\s\S]*?){5}/, "stderr");
    writeFileSync(join(dir, "hold"), "");
    const heldFiles = () => readdirSync(dir).filter((f) => f.startsWith("held-"));
    await until("a job held on worker a", () => heldFiles().length > 0, 120_000);
    a.child.kill("SIGTERM");
    const aDone = await a.done;
    const held = heldFiles();
    assert.equal(aDone.code, 0, aDone.stderr);
    assert.match(aDone.stderr, /released back to the queue as preempted: worker preempted \(SIGTERM\).*\(checkpoint "epoch-3-of-\d+"\)/);
    rmSync(join(dir, "hold"));
    const midRun = await counts();
    assert.ok(midRun.completed + midRun.failed < 200n, "preempted while the sweep was still running");

    // Worker b runs the rest, the preempted job included.
    await until("every job to end", async () => {
      const c = await counts();
      return c.completed + c.failed + c.cancelled === 200n && c;
    }, 120_000);
    const shown = ok(await wn(["sweep", "show", "search", "--json"]), "sweep show").json<{ sweep: { counts: Record<string, string> }; failedJobs: Array<{ parameters: { optimizer: string } }> }>();
    const failed = shown.failedJobs.length;
    assert.ok(failed > 10, `about a quarter of the jobs fail on their first run, got ${failed}`);
    assert.ok(shown.failedJobs.every((j) => j.parameters.optimizer === "lion"));
    assert.equal(Number(shown.sweep.counts.completed) + failed, 200);

    const retried = ok(await wn(["sweep", "retry", "search", "--json"]), "sweep retry").json<{ retriedJobIds: string[] }>();
    assert.equal(retried.retriedJobIds.length, failed);
    await until("the retried jobs to complete", async () => (await counts()).completed === 200n, 120_000);
    b.child.kill("SIGINT");
    const bDone = await b.done;
    assert.equal(bDone.code, 0, bDone.stderr);

    // Provenance: every attempt of every job, from one command.
    const jobs = ok(await wn(["sweep", "attempts", "search", "--json"]), "sweep attempts").json<JobAttemptsJson[]>();
    assert.equal(jobs.length, 200);
    const all = jobs.flatMap((j) => j.attempts);
    const preempted = all.filter((x) => x.outcome === "ATTEMPT_OUTCOME_PREEMPTED");
    // The held jobs were preempted; so may be a job worker a was just starting when the signal came.
    assert.ok(preempted.length >= held.length && held.length > 0, `${preempted.length} preempted attempts, ${held.length} held jobs`);
    assert.ok(preempted.every((x) => x.workerName === "node-a"), "only worker a was preempted");
    assert.equal(all.length, 200 + failed + preempted.length);
    for (const job of jobs) {
      assert.equal(job.status, "JOB_STATUS_COMPLETED");
      const last = job.attempts[job.attempts.length - 1]!;
      assert.equal(last.outcome, "ATTEMPT_OUTCOME_COMPLETED");
      for (const x of job.attempts) {
        assert.ok(x.workerId && x.workerHost && x.startTime && x.finishTime, `attempt ${x.number} of job ${job.jobId} has its provenance: ${JSON.stringify(x)}`);
        assert.match(x.command, new RegExp(`^bash ${script} \\S+ ${job.parameters.layers} ${job.parameters.optimizer} ${job.jobId}$`));
      }
    }
    for (const id of held.map((f) => f.slice("held-".length))) {
      const job = jobs.find((j) => j.jobId === id)!;
      assert.deepEqual(
        job.attempts.map((x) => [x.outcome, x.workerName]),
        [
          ["ATTEMPT_OUTCOME_PREEMPTED", "node-a"],
          ["ATTEMPT_OUTCOME_COMPLETED", "node-b"],
        ],
      );
      assert.match(job.attempts[1]!.outputTail, new RegExp(`resumed from epoch-3-of-${id}`));
    }
    const retriedJob = jobs.find((j) => j.attempts[0]!.outcome === "ATTEMPT_OUTCOME_FAILED")!;
    assert.deepEqual(
      retriedJob.attempts.map((x) => [x.outcome, x.exitCode]),
      [
        ["ATTEMPT_OUTCOME_FAILED", 3],
        ["ATTEMPT_OUTCOME_COMPLETED", 0],
      ],
    );
    const table = ok(await wn(["sweep", "attempts", "search"]), "sweep attempts (table)").stdout;
    assert.match(table, /JOB\s+#\s+OUTCOME\s+WORKER\s+HOST\s+STARTED\s+FINISHED\s+EXIT/);
    assert.match(table, /\n\d+\s+1\s+preempted\s+node-a\s+\S+/);
    assert.ok(existsSync(script));
  } finally {
    a.child.kill("SIGKILL");
    b.child.kill("SIGKILL");
  }
});
