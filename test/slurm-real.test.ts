/**
 * The slurm formatter and the worker against a real single-node SLURM
 * (slurmctld, slurmd and munged started by the test, accounting off, 4 CPUs
 * and 2 count-only "fakegpu" GPUs): success, failure with exit code, signal
 * kill, TIMEOUT, cancel, a job SLURM will never run, pending with its
 * reason, a controller outage, CPU accounting, numeric settings, GPUs and
 * account, folders, one squeue for all jobs, job arrays and reattaching,
 * live output and requeues (`scontrol requeue`, each run's output kept);
 * the worker hands its SLURM jobs over when it stops or is killed (the next
 * worker follows them instead of submitting them again).
 *
 * Skips (with the reason) where SLURM is not installed, except in CI.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { AttemptOutcome, type Job } from "../gen/whatsnext/v1/job_pb.js";
import { connect, type WhatsNextClient } from "../src/client/index.js";
import {
  createSlurmFormatter,
  type Formatter,
  LeaveRunning,
  type JobForFormatting,
  type RunOutcome,
  type SchedulerHandle,
  type SchedulerState,
  type SlurmFormatterSettings,
} from "../src/worker/formatters/index.js";
import { WorkerRuntime, type WorkerEvent } from "../src/worker/worker.js";
import { logCommands, type LoggedCommands } from "./support/logged-commands.js";
import { runCli, startCli, tempFolder } from "./support/run-cli.js";
import { skipWithoutSlurm, type SlurmCluster, startSlurmCluster } from "./support/slurm-cluster.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { until } from "./support/until.js";

const skip = skipWithoutSlurm();

let cluster: SlurmCluster;
let tools: LoggedCommands;
/** The cluster's environment with the logging wrappers of sbatch, squeue and scontrol first on PATH. */
let env: Record<string, string>;
let dir: string;
let nextJobId = 1000;


function job(overrides: Partial<JobForFormatting> = {}): JobForFormatting {
  return { id: nextJobId++, name: "sweep", taskName: "train", commandTemplate: "true", parameters: {}, requiredCpu: 1, requiredAccelerators: 0, ...overrides };
}

/** Settings for a test: its own output folder and job name prefix, quick polls. */
function settings(name: string, more: SlurmFormatterSettings = {}): SlurmFormatterSettings {
  return { outputDir: join(dir, name), jobNamePrefix: name, pollIntervalMs: 200, ...more };
}

interface Run {
  outcome: Promise<RunOutcome>;
  started: string[];
  states: SchedulerState[];
  handles: SchedulerHandle[];
  /** What the formatter passed to onOutput, in order. */
  output: Buffer[];
  abort(reason?: unknown): void;
  /** Resolves with the handle once the job was submitted. */
  submitted: Promise<SchedulerHandle>;
  /** Resolves once SLURM started the job. */
  running: Promise<string>;
}

function run(formatter: Formatter, theJob: JobForFormatting, options: { reattach?: SchedulerHandle; env?: Record<string, string> } = {}): Run {
  const controller = new AbortController();
  const started: string[] = [];
  const states: SchedulerState[] = [];
  const handles: SchedulerHandle[] = [];
  const output: Buffer[] = [];
  let onSubmitted!: (handle: SchedulerHandle) => void;
  let onRunning!: (display: string) => void;
  const submitted = new Promise<SchedulerHandle>((resolve) => (onSubmitted = resolve));
  const running = new Promise<string>((resolve) => (onRunning = resolve));
  const outcome = formatter.run(theJob, {
    env: options.env ?? env,
    signal: controller.signal,
    reattach: options.reattach,
    onSubmitted: (handle) => {
      handles.push(handle);
      onSubmitted(handle);
    },
    onStarted: (display) => {
      started.push(display);
      onRunning(display);
    },
    onSchedulerState: (state) => states.push(state),
    onOutput: (chunk, stream) => {
      assert.equal(stream, "stdout", "SLURM writes stdout and stderr to one file");
      output.push(chunk);
    },
  });
  return { outcome, started, states, handles, output, abort: (reason?: unknown) => controller.abort(reason), submitted, running };
}

/** `scontrol show job` as key=value pairs (one line per job with -o). */
function slurmJob(id: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of cluster.command(["scontrol", "show", "job", "--oneliner", id]).trim().split(/\s+/)) {
    const at = pair.indexOf("=");
    if (at > 0) fields[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return fields;
}

/** The SLURM job id in a StartJob command ("SLURM job 12: …"). */
function slurmIdOf(command: string): string {
  const match = /^SLURM job (\d+(?:_\d+)?): /.exec(command);
  assert.ok(match, `not a SLURM command: ${command}`);
  return match[1]!;
}

/** The SLURM job id a run got: from onSubmitted, else from the command reported at start, else from the outcome's message. */
function slurmIdOfRun(r: Run, outcome?: RunOutcome): string {
  const fromMessage = /SLURM job (\d+(?:_\d+)?)/.exec(outcome?.message ?? "")?.[1];
  const id = r.handles[0]?.schedulerJobId ?? (r.started[0] !== undefined ? slurmIdOf(r.started[0]) : fromMessage);
  assert.ok(id, "the run names its SLURM job");
  return id;
}

/** A file the test creates to let waiting jobs end. */
async function gate(name: string): Promise<{ path: string; open(): Promise<void> }> {
  const path = join(dir, `gate-${name}`);
  return { path, open: () => writeFile(path, "") };
}

/** A command that waits for the gate file, then prints and exits with `code`. */
function waitFor(gatePath: string, code = 0): string {
  return `sh -c 'while [ ! -e "$1" ]; do sleep 0.1; done; echo "done $2"; exit $2' sh ${gatePath} ${code}`;
}

describe("a real SLURM", { skip }, () => {
  before(async () => {
    cluster = await startSlurmCluster({ cpus: 4, gres: { name: "fakegpu", count: 2 } });
    tools = await logCommands(["sbatch", "squeue", "scontrol", "scancel"]);
    env = { ...cluster.env, PATH: `${tools.binDir}${delimiter}${cluster.env.PATH ?? ""}` };
    dir = tempFolder("wn-slurm-real-");
  });
  after(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (tools) await rm(tools.binDir, { recursive: true, force: true });
  });

  describe("the slurm formatter", () => {
    /** Started first: SLURM checks time limits only every 30 s, so a TIMEOUT takes one to two minutes. */
    let timeoutRun: Run;

    before(() => {
      // time=1 as a number: one minute, as `--set time=1` gives it.
      timeoutRun = run(createSlurmFormatter(settings("timeout", { time: 1 })), job({ commandTemplate: "sh -c 'echo started; sleep 600'" }));
    });

    it("runs a job to success and reads its end from squeue, with no accounting and no wait for sacct", async () => {
      const r = run(createSlurmFormatter(settings("ok")), job({ commandTemplate: `sh -c 'echo "hello $1 from $SLURM_JOB_ID"' sh {who}`, parameters: { who: "world" } }));
      const outcome = await r.outcome;
      const id = slurmIdOfRun(r, outcome);
      assert.equal(outcome.success, true, outcome.message);
      assert.equal(outcome.exitCode, 0);
      assert.equal(outcome.message, `SLURM job ${id} COMPLETED (exit code 0)`);
      assert.equal(outcome.outputTail, `hello world from ${id}\n`);
      assert.deepEqual(r.started, [`SLURM job ${id}: sh -c 'echo "hello $1 from $SLURM_JOB_ID"' sh world`]);
      assert.equal(r.handles[0]!.outputPath, join(r.handles[0]!.runDir, "output.log"));
      assert.equal((await readFile(join(r.handles[0]!.runDir, "exit-status"), "utf8")).trim(), "0");
      assert.equal(r.states.at(-1)?.state, "COMPLETED");
    });

    it("reports a failure with the script's exit code and its output", async () => {
      const r = run(createSlurmFormatter(settings("fail")), job({ commandTemplate: `sh -c 'echo boom >&2; exit 3'` }));
      const outcome = await r.outcome;
      const id = slurmIdOfRun(r, outcome);
      assert.equal(outcome.success, false);
      assert.equal(outcome.exitCode, 3);
      assert.equal(outcome.message, `SLURM job ${id} FAILED (exit code 3)`);
      assert.equal(outcome.outputTail, "boom\n");
    });

    it("reports a job killed by a signal as 128 + the signal, naming it", async () => {
      const r = run(createSlurmFormatter(settings("killed")), job({ commandTemplate: `sh -c 'echo dying; kill -9 $$'` }));
      const outcome = await r.outcome;
      const id = slurmIdOfRun(r, outcome);
      assert.equal(outcome.success, false);
      assert.equal(outcome.exitCode, 137);
      assert.equal(outcome.message, `SLURM job ${id} FAILED (killed by signal 9, SIGKILL: exit code 137)`);
      assert.equal(outcome.outputTail, "dying\n");
      assert.equal(slurmJob(id).ExitCode, "0:9", "SLURM itself sees the signal, as without the exit marker");
    });

    it("cancels with scancel when the run is aborted, and SLURM ends the job", async () => {
      const g = await gate("cancel");
      const r = run(createSlurmFormatter(settings("cancel")), job({ commandTemplate: waitFor(g.path) }));
      await r.running;
      r.abort();
      const outcome = await r.outcome;
      const id = slurmIdOfRun(r, outcome);
      assert.equal(outcome.aborted, true);
      assert.equal(outcome.message, `cancelled; sent scancel ${id}`);
      await until("SLURM to cancel the job", () => slurmJob(id).JobState === "CANCELLED");
    });

    it("fails a job SLURM will never run with SLURM's reason, and never reports it started", async () => {
      const r = run(createSlurmFormatter(settings("never", { cpus: cluster.cpus * 2 })), job());
      const outcome = await r.outcome;
      const id = slurmIdOfRun(r, outcome);
      assert.equal(outcome.success, false);
      assert.equal(outcome.aborted, false);
      assert.equal(outcome.message, `SLURM will not run job ${id} as submitted: it is pending with reason PartitionConfig; sent scancel ${id}`);
      assert.deepEqual(r.started, []);
      assert.deepEqual(r.states, [{ schedulerJobId: id, state: "PENDING", reason: "PartitionConfig" }]);
      await until("SLURM to cancel the job", () => slurmJob(id).JobState === "CANCELLED");
    });

    it("reports a job waiting for resources as pending with SLURM's reason, and as started only once SLURM runs it", async () => {
      const g = await gate("pending");
      const formatter = createSlurmFormatter(settings("pending", { cpus: cluster.cpus - 1 }));
      const first = run(formatter, job({ commandTemplate: waitFor(g.path) }));
      await first.running;
      const second = run(formatter, job({ commandTemplate: "echo second" }));
      const waiting = await until("the second job to wait in SLURM", () => second.states.find((s) => s.state === "PENDING" && s.reason !== ""));
      assert.match(waiting.reason, /^(Resources|Priority)$/);
      assert.deepEqual(second.started, [], "a job SLURM keeps pending has not started");
      await g.open();
      const [one, two] = await Promise.all([first.outcome, second.outcome]);
      assert.equal(one.success, true, one.message);
      assert.equal(two.success, true, two.message);
      assert.equal(second.started.length, 1);
      assert.ok(second.states.some((s) => s.state === "RUNNING" || s.state === "COMPLETED"));
    });

    it("reports TIMEOUT with the signal SLURM stopped the job with", async () => {
      const outcome = await timeoutRun.outcome;
      const id = slurmIdOfRun(timeoutRun, outcome);
      assert.equal(outcome.success, false);
      assert.equal(outcome.exitCode, 143);
      assert.equal(outcome.message, `SLURM job ${id} TIMEOUT: its time limit was reached (killed by signal 15, SIGTERM: exit code 143)`);
      assert.match(outcome.outputTail, /^started\n.*DUE TO TIME LIMIT/m);
      assert.equal(slurmJob(id).TimeLimit, "00:01:00");
    });

    it("passes numeric time and mem on, GPUs as --gres with the configured name, and the account and QOS", async () => {
      const formatter = createSlurmFormatter(settings("resources", { time: 10, mem: 100, gresName: "fakegpu", account: "proj-a", qos: "normal" }));
      const r = run(formatter, job({ requiredAccelerators: 1, requiredCpu: 2 }));
      const outcome = await r.outcome;
      assert.equal(outcome.success, true, outcome.message);
      const fields = slurmJob(slurmIdOfRun(r, outcome));
      assert.equal(fields.TimeLimit, "00:10:00");
      assert.equal(fields.MinMemoryNode, "100M");
      assert.equal(fields.TresPerNode, "gres:fakegpu:1");
      assert.equal(fields.NumCPUs, "2");
      assert.equal(fields.Account, "proj-a");
      // Without accounting SLURM ignores the QOS; that sbatch got it is what can be seen here.
      const sbatch = (await tools.callsOf("sbatch")).find((call) => call.includes("--job-name=resources-" + String(nextJobId - 1)));
      assert.ok(sbatch?.includes("--qos=normal"), JSON.stringify(sbatch));
    });

    it("expands ~ in output_dir and reads a relative output_dir from cwd, where the job also runs", async () => {
      const home = join(dir, "home");
      const work = join(dir, "work");
      await mkdir(home);
      await mkdir(work);
      const tilde = run(createSlurmFormatter({ ...settings("tilde"), outputDir: "~/wn-runs" }), job({ commandTemplate: "pwd" }), { env: { ...env, HOME: home } });
      const relative = run(createSlurmFormatter({ ...settings("relative"), outputDir: "runs", cwd: work }), job({ commandTemplate: "pwd" }));
      const [a, b] = await Promise.all([tilde.outcome, relative.outcome]);
      assert.equal(a.success, true, a.message);
      assert.ok(readdirSync(join(home, "wn-runs")).some((name) => name.startsWith("job-")), "the run folder is under ~/wn-runs");
      assert.equal(b.success, true, b.message);
      assert.ok(readdirSync(join(work, "runs")).some((name) => name.startsWith("job-")), "the run folder is under cwd/runs");
      assert.equal(b.outputTail, `${work}\n`);
    });

    it("follows all of a worker's jobs with one squeue call per round", async () => {
      const g = await gate("poll");
      const formatter = createSlurmFormatter(settings("poll", { jobArrays: false }));
      const runs = [0, 1, 2].map(() => run(formatter, job({ commandTemplate: waitFor(g.path) })));
      await Promise.all(runs.map((r) => r.running));
      const ids = runs.map((r) => slurmIdOfRun(r));
      assert.equal(new Set(ids).size, 3);
      const before = (await tools.callsOf("squeue")).length;
      await until("two more squeue rounds", async () => (await tools.callsOf("squeue")).length >= before + 2);
      await g.open();
      await Promise.all(runs.map((r) => r.outcome));
      const rounds = (await tools.callsOf("squeue")).slice(before).filter((call) => ids.some((id) => call.join(" ").includes(id)));
      assert.ok(rounds.length >= 2);
      for (const call of rounds.slice(0, 2)) {
        const jobs = call.find((arg) => arg.startsWith("--jobs="))!.slice("--jobs=".length).split(",");
        assert.deepEqual([...jobs].sort(), [...ids].sort(), `one squeue follows all three jobs: ${call.join(" ")}`);
      }
    });

    it("submits jobs claimed together as one job array, each with its own output and exit code", async () => {
      const formatter = createSlurmFormatter(settings("array"));
      const sbatchBefore = (await tools.callsOf("sbatch")).length;
      const runs = [0, 1, 2].map((i) => run(formatter, job({ commandTemplate: `sh -c 'echo element {i}; exit {code}'`, parameters: { i, code: i === 1 ? 3 : 0 } })));
      const outcomes = await Promise.all(runs.map((r) => r.outcome));
      const ids = runs.map((r) => slurmIdOfRun(r));
      const arrayId = ids[0]!.split("_")[0]!;
      assert.deepEqual(ids, [`${arrayId}_0`, `${arrayId}_1`, `${arrayId}_2`]);
      const sbatch = (await tools.callsOf("sbatch")).slice(sbatchBefore);
      assert.equal(sbatch.length, 1, "one sbatch call for the three jobs");
      assert.ok(sbatch[0]!.includes("--array=0-2"));
      assert.deepEqual(outcomes.map((o) => [o.success, o.exitCode, o.outputTail]), [
        [true, 0, "element 0\n"],
        [false, 3, "element 1\n"],
        [true, 0, "element 2\n"],
      ]);
      assert.equal(outcomes[1]!.message, `SLURM job ${arrayId}_1 FAILED (exit code 3)`);
    });

    it("leaves a job running when asked to (a worker handing over), and another run reattaches to it instead of submitting it again", async () => {
      const g = await gate("reattach");
      const theJob = job({ commandTemplate: waitFor(g.path, 0) });
      const first = run(createSlurmFormatter(settings("reattach")), theJob);
      const handle = await first.submitted;
      await first.running;
      first.abort(new LeaveRunning("worker stopping"));
      const left = await first.outcome;
      assert.equal(left.aborted, true);
      assert.equal(left.leftRunning, true);
      assert.equal(left.message, `left SLURM job ${handle.schedulerJobId} running for another worker to follow`);
      assert.equal(slurmJob(handle.schedulerJobId).JobState, "RUNNING");

      const second = run(createSlurmFormatter(settings("reattach")), theJob, { reattach: handle });
      await second.running;
      await g.open();
      const outcome = await second.outcome;
      assert.equal(outcome.success, true, outcome.message);
      assert.equal(outcome.message, `SLURM job ${handle.schedulerJobId} COMPLETED (exit code 0)`);
      assert.equal(outcome.outputTail, "done 0\n");
      assert.deepEqual(second.handles, [], "nothing submitted");
      assert.equal((await tools.callsOf("sbatch")).filter((call) => call.includes(`--job-name=reattach-${theJob.id}`)).length, 1);
    });

    it("when SLURM has forgotten a job and keeps no accounting, reads its exit marker, asking sacct once", async () => {
      const runDir = join(dir, "forgotten");
      await mkdir(runDir);
      await writeFile(join(runDir, "output.log"), "from an earlier worker\n");
      await writeFile(join(runDir, "exit-status"), "0\n");
      // accountingTimeoutMs is far beyond the test's timeout: "accounting storage is disabled" must end the lookup at once.
      const formatter = createSlurmFormatter(settings("forgotten", { accountingTimeoutMs: 3_600_000 }));
      const handle = { schedulerJobId: "999999", runDir, outputPath: join(runDir, "output.log") };
      const r = run(formatter, job(), { reattach: handle });
      const outcome = await r.outcome;
      assert.equal(outcome.success, true, outcome.message);
      assert.equal(outcome.message, "SLURM job 999999 ended (exit code 0; from its exit marker: SLURM no longer lists it and accounting storage is disabled)");
      assert.equal(outcome.outputTail, "from an earlier worker\n");

      const noMarker = join(dir, "forgotten-no-marker");
      await mkdir(noMarker);
      const lost = await run(formatter, job(), { reattach: { schedulerJobId: "999998", runDir: noMarker, outputPath: join(noMarker, "output.log") } }).outcome;
      assert.equal(lost.success, false);
      assert.match(lost.message, /^SLURM job 999998 left the queue and how it ended is unknown: accounting storage is disabled, and its batch script left no exit marker/);
    });

    it("follows a submitted job through a controller outage; a submission during it is cluster-unavailable, not a failure", async () => {
      const g = await gate("outage");
      const formatter = createSlurmFormatter(settings("outage"));
      const before = run(formatter, job({ commandTemplate: waitFor(g.path, 0) }));
      await before.running;
      await cluster.stopController();
      let restartedAt = 0;
      try {
        const during = await run(formatter, job()).outcome;
        assert.equal(during.clusterUnavailable, true, during.message);
        assert.equal(during.success, false);
        assert.match(during.message, /^SLURM did not take the job: sbatch exited with code 1: .*Unable to contact slurm controller/);
        // The worker waits on this before claiming again; it must not resolve while the controller is away.
        const back = formatter.waitUntilAvailable!({ env, signal: new AbortController().signal }).then(() => Date.now());
        await until("two failed controller probes", async () => (await tools.callsOf("scontrol")).filter((call) => call[1] === "ping").length >= 2);
        await g.open();
        restartedAt = Date.now();
        await cluster.startController();
        assert.ok((await back) >= restartedAt, "waitUntilAvailable resolved only after the controller was started again");
      } finally {
        if (restartedAt === 0) await cluster.startController();
      }
      const outcome = await before.outcome;
      assert.equal(outcome.success, true, outcome.message);
      assert.equal(outcome.outputTail, "done 0\n");
    });

    it("passes the job's output on while it runs, read on each squeue round, and all of it by the end", async () => {
      const g = await gate("live");
      const r = run(
        createSlurmFormatter(settings("live")),
        job({ commandTemplate: `sh -c 'for i in 1 2 3 4 5; do echo "line $i"; sleep 0.2; done; echo oops >&2; while [ ! -e "$1" ]; do sleep 0.1; done; echo end' sh ${g.path}` }),
      );
      // The job waits for the gate after its lines: they arrive while it runs.
      await until("the lines while the job runs", () => Buffer.concat(r.output).toString().includes("line 5\noops\n"));
      assert.equal(Buffer.concat(r.output).toString(), "line 1\nline 2\nline 3\nline 4\nline 5\noops\n");
      assert.equal(slurmJob(slurmIdOfRun(r)).JobState, "RUNNING");
      await g.open();
      const outcome = await r.outcome;
      assert.equal(outcome.success, true, outcome.message);
      assert.equal(Buffer.concat(r.output).toString(), "line 1\nline 2\nline 3\nline 4\nline 5\noops\nend\n");
    });

    it("keeps each run's output of a job SLURM requeues, and says how often SLURM requeued it", async () => {
      const g = await gate("requeue");
      const r = run(
        createSlurmFormatter(settings("requeue")),
        job({ commandTemplate: `sh -c 'echo "run \${SLURM_RESTART_COUNT:-0}"; while [ ! -e "$1" ]; do sleep 0.1; done; echo end' sh ${g.path}` }),
      );
      const handle = await r.submitted;
      const id = handle.schedulerJobId;
      await until("the first run's output", async () => (await readFile(handle.outputPath, "utf8").catch(() => "")) === "run 0\n");
      cluster.command(["scontrol", "requeue", id]);
      // SLURM holds a requeued job back (BeginTime) for about two minutes; the test lets it start at once.
      await until("SLURM to requeue the job", () => slurmJob(id).JobState === "PENDING");
      cluster.command(["scontrol", "update", `JobId=${id}`, "StartTime=now"]);
      const earlier = join(handle.runDir, "output.log.1");
      await until("the second run's output", async () => (await readFile(handle.outputPath, "utf8").catch(() => "")) === "run 1\n", 90_000);
      await g.open();
      const outcome = await r.outcome;
      assert.equal(outcome.success, true, outcome.message);
      assert.equal(outcome.message, `SLURM job ${id} COMPLETED (exit code 0); requeued 1 time by SLURM, the earlier run's output is in ${earlier}`);
      assert.equal(outcome.outputTail, "run 1\nend\n");
      const first = await readFile(earlier, "utf8");
      assert.match(first, /^run 0\n.*DUE TO JOB REQUEUE/m);
      assert.ok(r.states.some((s) => s.restarts === 1), JSON.stringify(r.states));
      assert.equal(Buffer.concat(r.output).toString(), `${first}run 1\nend\n`, "the live output holds both runs, each once");
    });
  });

  describe("the worker", () => {
    let t: TestServer;
    let client: WhatsNextClient;
    /** Workers still running when a test failed are stopped (their jobs released) before the server closes. */
    const workers: Array<{ runtime: WorkerRuntime; done: Promise<unknown> }> = [];
    /** `whatsnext worker` processes, ended the same way. */
    const cliWorkers: Array<ReturnType<typeof startCli>> = [];
    before(async () => {
      // A short lease makes heartbeats (and so cancels, and lost leases) frequent; no backoff before a retry.
      t = await startTestServer({ WHATSNEXT_LEASE_SECONDS: "3", WHATSNEXT_RETRY_BACKOFF_SECONDS: "0" });
      client = connect({ server: t.url });
    });
    after(async () => {
      for (const w of workers) {
        w.runtime.stop("test over");
        w.runtime.stop("test over");
      }
      for (const w of cliWorkers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
      await Promise.allSettled([...workers.map((w) => w.done), ...cliWorkers.map((w) => w.done)]);
      client?.close();
      await t?.close();
    });

    async function project(name: string, command: string, cpu = 0): Promise<bigint> {
      const { project: p } = await client.projects.createProject({ name });
      await client.tasks.createTask({ projectId: p!.id, name: "t", commandTemplate: command, requiredCpu: cpu });
      return p!.id;
    }
    const addJob = async (projectId: bigint, name: string): Promise<Job> =>
      (await client.jobs.createJob({ projectId, task: { case: "taskName", value: "t" }, name })).job!;
    const getJob = async (id: bigint): Promise<Job> => (await client.jobs.getJob({ id })).job!;
    const untilStatus = (id: bigint, status: JobStatus) => until(`job ${id} to be ${JobStatus[status]}`, async () => ((await getJob(id)).status === status ? getJob(id) : undefined));

    function worker(projectId: bigint, formatter: Formatter, options: { cpus?: number; maxJobs?: number; cancelOnStop?: boolean; stream?: boolean } = {}) {
      const events: WorkerEvent[] = [];
      const runtime = new WorkerRuntime({
        client,
        projectId,
        formatter,
        env,
        cpus: options.cpus,
        parallel: 4,
        maxJobs: options.maxJobs,
        waitSeconds: 1,
        graceMs: 0,
        cancelOnStop: options.cancelOnStop,
        stream: options.stream,
        onEvent: (e) => events.push(e),
      });
      const done = runtime.run();
      workers.push({ runtime, done });
      return { runtime, events, done };
    }

    it("ships a SLURM job's output to the server while it runs (GetJobOutput, whatsnext jobs logs)", async () => {
      const g = await gate("wlive");
      const projectId = await project("slurm-live", `sh -c 'for i in 1 2 3; do echo "tick $i"; sleep 0.2; done; while [ ! -e "$1" ]; do sleep 0.1; done; echo tock' sh ${g.path}`);
      const queued = await addJob(projectId, "live");
      const w = worker(projectId, createSlurmFormatter(settings("wlive")), { maxJobs: 1 });
      const text = async () => (await client.jobs.getJobOutput({ jobId: queued.id, maxBytes: 10_000 })).chunks.map((c) => c.text).join("");
      await until("the job's lines on the server", async () => (await text()) === "tick 1\ntick 2\ntick 3\n");
      assert.equal((await getJob(queued.id)).status, JobStatus.RUNNING, "shipped while the job runs");
      const logs = await runCli(["jobs", "logs", String(queued.id)], { env: { WHATSNEXT_SERVER: t.url } });
      assert.equal(logs.code, 0, logs.stderr);
      assert.match(logs.stdout, /tick 1\ntick 2\ntick 3\n/);
      await g.open();
      await w.done;
      assert.equal((await getJob(queued.id)).status, JobStatus.COMPLETED);
      assert.equal(await text(), "tick 1\ntick 2\ntick 3\ntock\n");
    });

    it("a SLURM job requeued while it runs: the server gets both runs' output and a message naming the requeue, the worker's event the count", async () => {
      const g = await gate("wrequeue");
      const projectId = await project("slurm-requeue", `sh -c 'echo "run \${SLURM_RESTART_COUNT:-0}"; while [ ! -e "$1" ]; do sleep 0.1; done; echo end' sh ${g.path}`);
      const queued = await addJob(projectId, "rq");
      const w = worker(projectId, createSlurmFormatter(settings("wrequeue")), { maxJobs: 1 });
      const text = async () => (await client.jobs.getJobOutput({ jobId: queued.id, maxBytes: 10_000 })).chunks.map((c) => c.text).join("");
      await until("the first run's output on the server", async () => (await text()) === "run 0\n");
      const slurmId = slurmIdOf((await getJob(queued.id)).command);
      cluster.command(["scontrol", "requeue", slurmId]);
      await until("SLURM to requeue the job", () => slurmJob(slurmId).JobState === "PENDING");
      cluster.command(["scontrol", "update", `JobId=${slurmId}`, "StartTime=now"]);
      await until("the second run's output on the server", async () => (await text()).endsWith("run 1\n"), 90_000);
      await g.open();
      await w.done;
      const done = await getJob(queued.id);
      assert.equal(done.status, JobStatus.COMPLETED, done.message);
      const [attempt] = await attemptsOf(queued.id);
      const earlier = join(attempt!.schedulerJob!.runDir, "output.log.1");
      assert.equal(done.message, `SLURM job ${slurmId} COMPLETED (exit code 0); requeued 1 time by SLURM, the earlier run's output is in ${earlier}`);
      assert.equal(await text(), `${await readFile(earlier, "utf8")}run 1\nend\n`);
      assert.ok(w.events.some((e) => e.type === "scheduler-state" && e.restarts === 1));
    });

    it("counts the CPU SLURM gives a task that asks for none: --cpus 2 runs two such jobs at once, not three", async () => {
      const g = await gate("cpu-accounting");
      const projectId = await project("slurm-cpus", waitFor(g.path));
      const jobs = [await addJob(projectId, "a"), await addJob(projectId, "b"), await addJob(projectId, "c")];
      const w = worker(projectId, createSlurmFormatter(settings("cpus")), { cpus: 2, maxJobs: 3 });
      const running = await until("two jobs to run", async () => {
        const all = await Promise.all(jobs.map((j) => getJob(j.id)));
        return all.filter((j) => j.status === JobStatus.RUNNING).length === 2 ? all : undefined;
      });
      assert.deepEqual(running.map((j) => j.status).sort(), [JobStatus.PENDING, JobStatus.RUNNING, JobStatus.RUNNING].sort());
      const inSlurm = cluster
        .command(["squeue", "--noheader", "--array", "--states=PENDING,RUNNING", "--format=%j %i %T"])
        .split("\n")
        .filter((line) => line.startsWith("cpus-"));
      assert.equal(inSlurm.length, 2, `SLURM holds two jobs of the worker, both running: ${inSlurm.join(", ")}`);
      assert.ok(inSlurm.every((line) => line.endsWith(" RUNNING")), inSlurm.join(", "));
      await g.open();
      const summary = await w.done;
      assert.equal(summary.succeeded, 3);
      assert.ok(w.events.some((e) => e.type === "scheduler-state" && e.state === "RUNNING"));
    });

    it("a cancel on the server reaches SLURM (scancel) within a heartbeat", async () => {
      const g = await gate("worker-cancel");
      const projectId = await project("slurm-cancel", waitFor(g.path));
      const queued = await addJob(projectId, "c");
      const w = worker(projectId, createSlurmFormatter(settings("wcancel")), { maxJobs: 1 });
      const running = await untilStatus(queued.id, JobStatus.RUNNING);
      const slurmId = slurmIdOf(running.command);
      await client.jobs.cancelJob({ id: queued.id });
      await until("SLURM to cancel the job", () => slurmJob(slurmId).JobState === "CANCELLED");
      const summary = await w.done;
      assert.equal(summary.cancelled, 1);
      assert.equal((await getJob(queued.id)).status, JobStatus.CANCELLED);
    });

    it("gives jobs back without spending an attempt while the controller is down, submits nothing more until it is back, then runs them", async () => {
      const projectId = await project("slurm-outage", "echo ran");
      await cluster.stopController();
      let restarted = false;
      const w = worker(projectId, createSlurmFormatter(settings("woutage")));
      try {
        const jobs = [await addJob(projectId, "a"), await addJob(projectId, "b"), await addJob(projectId, "c")];
        await until("the worker to give the jobs back", async () => {
          const all = await Promise.all(jobs.map((j) => getJob(j.id)));
          return all.every((j) => j.status === JobStatus.PENDING && /cluster unavailable/.test(j.message));
        });
        assert.ok(w.events.some((e) => e.type === "error" && /cluster unavailable .*claiming no jobs until it answers/.test(e.message)));
        const pingsBefore = (await tools.callsOf("scontrol")).filter((call) => call[1] === "ping").length;
        await until("the worker to probe the controller twice more", async () => (await tools.callsOf("scontrol")).filter((call) => call[1] === "ping").length >= pingsBefore + 2);
        const submissions = (await tools.callsOf("sbatch")).filter((call) => call.some((arg) => arg.startsWith("--job-name=woutage-")));
        assert.ok(submissions.length <= 3, `one sbatch attempt per job at most while the controller is away, got ${submissions.length}`);
        for (const j of jobs) {
          const now = await getJob(j.id);
          assert.equal(now.status, JobStatus.PENDING);
          assert.equal(now.attempts, 0, "no attempt spent");
          assert.match(now.message, /cluster unavailable, not the job's fault: (SLURM did not take the job: .*Unable to contact slurm controller|claimed while the worker was waiting for its cluster)/);
        }
        await cluster.startController();
        restarted = true;
        for (const j of jobs) {
          const now = await untilStatus(j.id, JobStatus.COMPLETED);
          assert.equal(now.attempts, 1);
          assert.equal(now.outputTail, "ran\n");
        }
      } finally {
        if (!restarted) await cluster.startController();
        w.runtime.stop("test done");
        await w.done;
      }
    });

    it("takes numeric --set values (time=10, mem=100) from the command line", async () => {
      const queued = await addJob(await project("slurm-numeric", "echo numeric"), "n");
      const out = join(dir, "numeric");
      const result = await runCli(
        ["worker", "--project", "slurm-numeric", "--once", "--wait", "5", "--formatter", "slurm", "--set", "time=10", "--set", "mem=100", "--set", "poll_interval_ms=200", "--set", `output_dir=${out}`],
        { env: { WHATSNEXT_SERVER: t.url, SLURM_CONF: cluster.confPath } },
      );
      assert.equal(result.code, 0, result.stderr);
      const done = await getJob(queued.id);
      assert.equal(done.status, JobStatus.COMPLETED, done.message);
      const fields = slurmJob(slurmIdOf(done.command));
      assert.equal(fields.TimeLimit, "00:10:00");
      assert.equal(fields.MinMemoryNode, "100M");
      assert.ok(existsSync(out));
    });

    /** The SLURM jobs sbatch was asked to create under this job name. */
    const submissionsOf = async (jobName: string) => (await tools.callsOf("sbatch")).filter((call) => call.includes(`--job-name=${jobName}`)).length;
    const attemptsOf = async (id: bigint) => (await client.jobs.listJobAttempts({ jobId: id })).attempts;

    it("a worker SIGKILLed while its SLURM job runs: started again with the same id it follows that SLURM job, submitted once, and the job completes once", async () => {
      const g = await gate("crash");
      const projectId = await project("slurm-crash", waitFor(g.path, 0));
      const queued = await addJob(projectId, "survivor");
      const args = [
        "worker", "--project", "slurm-crash", "--id", "crash-worker", "--name", "crash", "--formatter", "slurm", "--grace", "0",
        "--set", "poll_interval_ms=200", "--set", `output_dir=${join(dir, "crash")}`, "--set", "job_name_prefix=crash",
      ];
      const cliEnv = { WHATSNEXT_SERVER: t.url, SLURM_CONF: cluster.confPath, PATH: env.PATH! };
      const first = startCli(args, { env: cliEnv });
      cliWorkers.push(first);
      const running = await untilStatus(queued.id, JobStatus.RUNNING);
      const slurmId = slurmIdOf(running.command);
      const [recorded] = await attemptsOf(queued.id);
      assert.equal(recorded?.schedulerJob?.id, slurmId, "the attempt records its SLURM job");
      assert.equal(recorded.schedulerJob.scheduler, "slurm");
      assert.equal(recorded.schedulerJob.outputPath, join(recorded.schedulerJob.runDir, "output.log"));

      first.child.kill("SIGKILL");
      await first.done;
      assert.equal(slurmJob(slurmId).JobState, "RUNNING", "SLURM keeps the job of a killed worker");

      const second = startCli(args, { env: cliEnv });
      cliWorkers.push(second);
      const follows = new RegExp(`job ${queued.id}: following scheduler job ${slurmId}, submitted by an earlier attempt`);
      await until(`the restarted worker to follow SLURM job ${slurmId}`, () => follows.test(second.stderr) || second.child.exitCode !== null).catch((err: Error) => {
        throw new Error(`${err.message}\nfirst worker:\n${first.stderr}\nrestarted worker:\n${second.stderr}`);
      });
      assert.match(second.stderr, follows);
      await untilStatus(queued.id, JobStatus.RUNNING);
      await g.open();
      const done = await untilStatus(queued.id, JobStatus.COMPLETED);
      assert.equal(done.outputTail, "done 0\n");
      assert.equal(done.message, `SLURM job ${slurmId} COMPLETED (exit code 0)`);
      assert.equal(done.attempts, 1, "the lost attempt was given back");
      assert.equal(await submissionsOf(`crash-${queued.id}`), 1, "sbatch ran once for the job");
      const attempts = await attemptsOf(queued.id);
      assert.deepEqual(attempts.map((a) => [a.outcome, a.schedulerJob?.id]), [
        [attempts[0]!.outcome === AttemptOutcome.LOST ? AttemptOutcome.LOST : AttemptOutcome.RELEASED, slurmId],
        [AttemptOutcome.COMPLETED, slurmId],
      ]);

      const shown = await runCli(["jobs", "show", String(queued.id)], { env: { WHATSNEXT_SERVER: t.url } });
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`^slurm job: +${slurmId}$`, "m"));
      assert.match(shown.stdout, new RegExp(`^output file: +${recorded.schedulerJob.outputPath}$`, "m"));

      second.child.kill("SIGTERM");
      const stopped = await second.done;
      assert.equal(stopped.code, 0, stopped.stderr);
    });

    for (const stream of [true, false]) {
      const via = stream ? "handover" : "handover-unary";
      it(`a stopping worker leaves its SLURM job running for the next, which follows it; with cancelOnStop it is cancelled and the next worker submits the job again (${stream ? "Work stream" : "unary calls"})`, async () => {
        const g = await gate(via);
        const projectId = await project(`slurm-${via}`, waitFor(g.path, 0));
        const queued = await addJob(projectId, "h");
        const a = worker(projectId, createSlurmFormatter(settings(via)), { stream });
        const slurmId = slurmIdOf((await untilStatus(queued.id, JobStatus.RUNNING)).command);
        a.runtime.stop("test: hand over");
        await a.done;
        assert.equal((await getJob(queued.id)).status, JobStatus.PENDING);
        assert.equal(slurmJob(slurmId).JobState, "RUNNING", "left running");
        assert.ok(a.events.some((e) => e.type === "released" && e.reason.includes(`left SLURM job ${slurmId} running for another worker to follow`)));

        const b = worker(projectId, createSlurmFormatter(settings(via)), { cancelOnStop: true, stream });
        const following = await until("the next worker to follow the SLURM job", () => b.events.find((e) => e.type === "following"));
        assert.deepEqual(following, { type: "following", jobId: queued.id, schedulerJobId: slurmId });
        await untilStatus(queued.id, JobStatus.RUNNING);
        b.runtime.stop("test: cancel on stop");
        await b.done;
        await until("SLURM to cancel the job", () => slurmJob(slurmId).JobState === "CANCELLED");
        assert.equal((await getJob(queued.id)).status, JobStatus.PENDING);

        await g.open();
        const c = worker(projectId, createSlurmFormatter(settings(via)), { maxJobs: 1, stream });
        await c.done;
        assert.ok(!c.events.some((e) => e.type === "following"), "a cancelled SLURM job is not followed");
        const done = await getJob(queued.id);
        assert.equal(done.status, JobStatus.COMPLETED, done.message);
        const newId = slurmIdOf(done.command);
        assert.notEqual(newId, slurmId);
        assert.equal(await submissionsOf(`${via}-${queued.id}`), 2);
        assert.deepEqual((await attemptsOf(queued.id)).map((x) => [x.outcome, x.schedulerJob?.id]), [
          [AttemptOutcome.RELEASED, slurmId],
          [AttemptOutcome.RELEASED, slurmId],
          [AttemptOutcome.COMPLETED, newId],
        ]);
      });
    }

    it("jobs show gives the current attempt's fields only: after a retry sbatch refused, neither the first attempt's SLURM job nor its start time", async () => {
      const projectId = await project("slurm-retry", "sh -c 'echo first; exit 3'");
      const queued = (await client.jobs.createJob({ projectId, task: { case: "taskName", value: "t" }, name: "r", maxAttempts: 2 })).job!;
      await worker(projectId, createSlurmFormatter(settings("retry-ran")), { maxJobs: 1 }).done;
      const afterFirst = await getJob(queued.id);
      assert.equal(afterFirst.status, JobStatus.PENDING, afterFirst.message);
      await worker(projectId, createSlurmFormatter(settings("retry-refused", { partition: "nosuch" })), { maxJobs: 1 }).done;
      const failed = await getJob(queued.id);
      assert.equal(failed.status, JobStatus.FAILED);
      assert.match(failed.message, /^SLURM refused the job: /);
      assert.equal(failed.command, "");
      assert.equal(failed.startTime, undefined);
      const attempts = await attemptsOf(queued.id);
      assert.ok(attempts[0]!.schedulerJob, "the first attempt had a SLURM job");
      assert.equal(attempts[1]!.schedulerJob, undefined, "the second had none");

      const text = await runCli(["jobs", "show", String(queued.id)], { env: { WHATSNEXT_SERVER: t.url } });
      assert.equal(text.code, 0, text.stderr);
      assert.doesNotMatch(text.stdout, /^(slurm job|output file|started|command):/m);
      const json = (await runCli(["--json", "jobs", "show", String(queued.id)], { env: { WHATSNEXT_SERVER: t.url } })).json<Record<string, unknown>>();
      assert.equal(json.schedulerJob, undefined);
      assert.equal(json.startTime, undefined);
      assert.equal(json.command, "");
    });
  });
});
