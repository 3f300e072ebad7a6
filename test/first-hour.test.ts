/**
 * A new user's first hour, through the real `whatsnext` command against a
 * real server: configuration found where people stand, mistakes caught before
 * work runs, and output people can read.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { JobService } from "../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { SweepService, type SweepSpec } from "../gen/whatsnext/v1/sweep_pb.js";
import { TaskService } from "../gen/whatsnext/v1/task_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { CLI, cliEnvironment, runCli, startCli, tempFolder, type CliResult, fails, ok } from "./support/run-cli.js";
import { useCliServer } from "./support/cli-server.js";
import { startOnTerminal } from "./support/terminal.js";

const cli = useCliServer();
const wn = cli.wn;

describe("configuration is found where people stand", () => {
  it("searches .whatsnext from the current folder up to the root (no git needed), nearest first, then home", async () => {
    const home = tempFolder();
    const top = join(home, "work", "project");
    const deep = join(top, "runs", "2026", "a");
    mkdirSync(deep, { recursive: true });
    mkdirSync(join(home, "elsewhere"));
    writeFileSync(join(home, "work", ".whatsnext"), `server: ${cli.server.url}\nproject: from-work\n`);
    writeFileSync(join(top, ".whatsnext"), `server: ${cli.server.url}\nproject: from-project\n`);
    await Promise.all(["from-work", "from-project"].map(async (p) => ok(await wn(["projects", "create", p]), p)));
    const show = (cwd: string) => runCli(["projects", "show", "--json"], { cwd, env: { HOME: join(home, "elsewhere") } });
    const [fromDeep, fromWork] = await Promise.all([show(deep), show(join(home, "work"))]);
    assert.equal(ok(fromDeep, "from a subfolder").json<{ name: string }>().name, "from-project");
    assert.equal(ok(fromWork, "from the folder above").json<{ name: string }>().name, "from-work");
  });
});

describe("mistakes are caught before the work runs", () => {
  it("refuses a job whose parameters leave a placeholder of its command empty, on CreateJob, BatchCreateJobs and CreateSweep", async () => {
    const projects = cli.server.client(ProjectService);
    const tasks = cli.server.client(TaskService);
    const jobs = cli.server.client(JobService);
    const sweeps = cli.server.client(SweepService);
    const { project } = await projects.createProject({ name: "holes" });
    const projectId = project!.id;
    await tasks.createTask({ projectId, name: "train", commandTemplate: "python train.py --lr {lr} --id {job_id}" });
    const task = { case: "taskName" as const, value: "train" };
    const lacksLr = /parameters lacks "lr", which the command of task "train" uses .*given: learning_rate/;
    await rejectsWith(jobs.createJob({ projectId, task, name: "a", parameters: { learning_rate: 0.1 } }), Code.InvalidArgument, lacksLr);
    await rejectsWith(
      jobs.batchCreateJobs({ projectId, jobs: [{ task, name: "ok", parameters: { lr: 0.1 } }, { task, name: "b", parameters: { learning_rate: 0.1 } }] }),
      Code.InvalidArgument,
      /^jobs\[1\]\.parameters lacks "lr"/,
    );
    const spec = { kind: { case: "grid", value: { axes: [{ name: "learning_rate", values: [{ kind: { case: "numberValue", value: 0.1 } }] }] } } } as unknown as SweepSpec;
    await rejectsWith(sweeps.createSweep({ projectId, task, name: "s", spec }), Code.InvalidArgument, /^spec .*lacks "lr"/);
    // Nothing of the refused calls was created; a job that fills the placeholder is.
    assert.equal((await jobs.listJobs({ projectId })).jobs.length, 0);
    const { job } = await jobs.createJob({ projectId, task, name: "c", parameters: { lr: 0.1 } });
    assert.ok(job);
  });

  it("checks a job against the task's command as it is now, not as the server last saw it", async () => {
    const projects = cli.server.client(ProjectService);
    const tasks = cli.server.client(TaskService);
    const jobs = cli.server.client(JobService);
    const { project } = await projects.createProject({ name: "changed-command" });
    const projectId = project!.id;
    const { task: evalTask } = await tasks.createTask({ projectId, name: "eval", commandTemplate: "eval {ckpt}" });
    const byName = { case: "taskName" as const, value: "eval" };
    const byId = { case: "taskId" as const, value: evalTask!.id };
    // The server learns the command from these creates, then the command changes.
    const first = await Promise.all([jobs.createJob({ projectId, task: byName, parameters: { ckpt: "a" } }), jobs.createJob({ projectId, task: byId, parameters: { ckpt: "a" } })]);
    for (const r of first) await jobs.deleteJob({ id: r.job!.id });
    await tasks.updateTask({ id: evalTask!.id, commandTemplate: "eval {ckpt} {split}" });
    for (const task of [byName, byId]) {
      await rejectsWith(jobs.createJob({ projectId, task, parameters: { ckpt: "b" } }), Code.InvalidArgument, /^parameters lacks "split", which the command of task "eval" uses/);
    }
    const { job } = await jobs.createJob({ projectId, task: byName, parameters: { ckpt: "b", split: "test" } });
    assert.equal(job!.status, JobStatus.PENDING);
    assert.equal((await jobs.listJobs({ projectId })).jobs.length, 1, "only the job that fills the new command was created");
  });

  it("tasks update changes a task, and refuses a command its waiting jobs cannot fill", async () => {
    const folder = tempFolder();
    const e = { WHATSNEXT_PROJECT: "upd" };
    ok(await wn(["projects", "create", "upd"]), "create project");
    ok(await wn(["tasks", "create", "train", "--command", "echo {lr}"], e), "create task");
    ok(await wn(["jobs", "add", "train", "--param", "lr=0.1"], e), "add job");
    const updated = ok(await wn(["tasks", "update", "train", "--command", "echo {lr} again", "--cpu", "2", "--json"], e, folder), "update");
    assert.deepEqual(
      (({ commandTemplate, requiredCpu }) => ({ commandTemplate, requiredCpu }))(updated.json<{ commandTemplate: string; requiredCpu: number }>()),
      { commandTemplate: "echo {lr} again", requiredCpu: 2 },
    );
    fails(await wn(["tasks", "update", "train", "--command", "echo {seed}"], e), 1, /command_template uses \{seed\}, but 1 waiting job of the task \(job \d+\) has no parameter "seed".*invalid_argument/);
    fails(await wn(["tasks", "update", "train"], e), 2, /nothing to update/);
  });

  it("add-batch --dry-run asks the server: unknown tasks and parameters that miss a placeholder are reported, nothing is created", async () => {
    const folder = tempFolder();
    const e = { WHATSNEXT_PROJECT: "dry" };
    ok(await wn(["projects", "create", "dry"]), "create project");
    ok(await wn(["tasks", "create", "train", "--command", "python train.py --lr {lr}"], e), "create task");
    writeFileSync(join(folder, "typo.yaml"), "task: trian\ngrid:\n  lr: [0.1, 0.01]\n");
    writeFileSync(join(folder, "wrong-key.yaml"), "task: train\ngrid:\n  learning_rate: [0.1, 0.01]\n");
    writeFileSync(join(folder, "good.yaml"), "task: train\ngrid:\n  lr: [0.1, 0.01]\n");
    const [typo, wrongKey, good] = await Promise.all(["typo", "wrong-key", "good"].map((f) => wn(["jobs", "add-batch", `${f}.yaml`, "--dry-run"], e, folder)));
    fails(typo!, 1, /task "trian" \(used by 2 jobs\) is not in project dry \(its tasks: train\)/);
    fails(wrongKey!, 1, /job 1 \(.*\): task train runs "python train\.py --lr \{lr\}", but the job has no parameter "lr" \(its parameters: learning_rate\)/);
    assert.match(ok(good!, "a good file").stdout, /2 jobs, not created \(dry run\)/);
    const listed = ok(await wn(["queue", "ls", "--json"], e), "ls").json<unknown[]>();
    assert.equal(listed.length, 0);
  });
});

describe("errors people can act on", () => {
  it("an https:// URL to a cleartext server gets a sentence, not an OpenSSL error string", async () => {
    const r = await wn(["projects", "ls", "--server", cli.server.url.replace("http://", "https://")]);
    fails(r, 1, /the server at https:\/\/127\.0\.0\.1:\d+ does not speak TLS: it looks like a cleartext server\. Use http:\/\/127\.0\.0\.1:\d+/);
    assert.doesNotMatch(r.stderr, /SSL routines|ssl3_/);
  });
});

describe("jobs retry", () => {
  it("shows the job as it now is: waiting to run again, the old attempt's exit code and message labelled as such", async () => {
    const e = { WHATSNEXT_PROJECT: "retry" };
    ok(await wn(["projects", "create", "retry"]), "project");
    ok(await wn(["tasks", "create", "boom", "--command", "sh -c 'echo boom >&2; exit 3'"], e), "task");
    const job = ok(await wn(["jobs", "add", "boom", "--json"], e), "add").json<{ id: string }>();
    ok(await wn(["worker", "--once", "--wait", "5", "--quiet"], e), "worker");
    assert.match(ok(await wn(["jobs", "show", job.id], e), "show").stdout, /^exit code: +3$/m);
    const retried = ok(await wn(["jobs", "retry", job.id], e), "retry").stdout;
    assert.match(retried, /^status: +pending \(waiting to run again\)$/m);
    assert.match(retried, /^last attempt: +exit code 3: /m);
    assert.match(retried, /--- output of the last attempt ---\nboom/);
    assert.doesNotMatch(retried, /^(exit code|message|finished):/m);
  });
});

describe("workers keep one identity", () => {
  it("a worker restarted with the same --name on the same host registers as the same worker; two at once stay two", async () => {
    const e = { WHATSNEXT_PROJECT: "ident" };
    ok(await wn(["projects", "create", "ident"]), "project");
    const once = () => wn(["worker", "--name", "restarts", "--once", "--wait", "0", "--json"], e);
    const idOf = (r: CliResult) => (ok(r, "worker").stdout.split("\n").filter((l) => l.includes('"registered"')).map((l) => JSON.parse(l) as { workerId: string })[0]!.workerId);
    const first = idOf(await once());
    const second = idOf(await once());
    const third = idOf(await once());
    assert.equal(second, first);
    assert.equal(third, first);
    // While one runs, a second of the same name is another worker.
    const running = startCli(["worker", "--name", "restarts", "--json"], { env: { ...cli.env, ...e } });
    await running.waitFor(/"registered"/, "stdout");
    const beside = idOf(await once());
    running.child.kill("SIGINT");
    const runningId = idOf(await running.done);
    assert.equal(runningId, first);
    assert.notEqual(beside, first, "two processes running together are two workers");
    const listed = ok(await wn(["workers", "ls", "--all", "--json"], e), "ls").json<Array<{ name: string }>>();
    assert.equal(listed.filter((w) => w.name === "restarts").length, 2);
  });
});

describe("Ctrl-C says what will happen", () => {
  it("the first signal says how long running jobs get and that a second stops now; the second does", async () => {
    const e = { WHATSNEXT_PROJECT: "ctrlc" };
    ok(await wn(["projects", "create", "ctrlc"]), "project");
    ok(await wn(["tasks", "create", "long", "--command", "sleep 60"], e), "task");
    ok(await wn(["jobs", "add", "long"], e), "add");
    const worker = startCli(["worker", "--name", "ctrlc"], { env: { ...cli.env, ...e } });
    await worker.waitFor(/job \d+ started/, "stderr");
    worker.child.kill("SIGINT");
    await worker.waitFor(/stopping \(SIGINT\): waiting up to 30 s for 1 running job to finish, then handing it back to the queue; Ctrl-C again to stop now/, "stderr");
    worker.child.kill("SIGINT");
    const done = await worker.done;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, /SIGINT again: stopping running jobs now/);
    assert.match(done.stderr, /released back to the queue/);
  });
});

/** Runs the CLI under a pseudo-terminal, against the test server. */
function startCliOnTerminal(args: string[], extraEnv: Record<string, string>) {
  const cwd = tempFolder();
  return startOnTerminal([process.execPath, CLI, ...args], { cwd, env: cliEnvironment(cwd, { ...cli.env, ...extraEnv }) });
}

describe("progress people can read", () => {
  async function drainingProject(name: string) {
    const e = { WHATSNEXT_PROJECT: name };
    ok(await wn(["projects", "create", name]), "project");
    ok(await wn(["tasks", "create", "nap", "--command", "sleep 0.3"], e), "task");
    ok(await wn(["tasks", "create", "bad", "--command", "false"], e), "task");
    for (const i of [1, 2, 3]) ok(await wn(["jobs", "add", "nap", "--name", `nap-${i}`], e), "add");
    ok(await wn(["jobs", "add", "bad", "--name", "the-bad-one"], e), "add");
    return e;
  }

  it("on a terminal: one redrawn line with a bar, percentage, rate and ETA, then a summary naming the failures", async () => {
    const e = await drainingProject("progress-tty");
    const follow = startCliOnTerminal(["status", "--follow", "--until-done"], e);
    try {
      await follow.waitFor(/0%/);
      ok(await wn(["worker", "--name", "tty", "--parallel", "1", "--max-jobs", "4", "--quiet"], e), "worker");
      const { code, output } = await follow.done;
      assert.equal(code, 0, output);
      assert.match(output, /\r\x1b\[2K\[#*-*\] +\d+%  \d\/4 ended \| running \d/, "the line is redrawn in place");
      assert.match(output, /\] 100%  4\/4 ended/);
      assert.match(output, /\| [\d.]+\/(s|min) \| ETA \d+:\d\d/, "rate and ETA while jobs remain");
      assert.match(output, /3 completed, 1 failed, 0 cancelled of 4 jobs; followed for \d+:\d\d/);
      assert.match(output, /failed: the-bad-one \(job \d+\)/);
      assert.doesNotMatch(output, /^\d\d:\d\d:\d\d  pending/m, "no plain lines on a terminal");
    } finally {
      follow.kill();
    }
  });

  it("in a pipe: a plain line per change, then the same summary", async () => {
    const e = await drainingProject("progress-pipe");
    const follow = startCli(["status", "--follow", "--until-done"], { env: { ...cli.env, ...e } });
    await follow.waitFor(/0% ended/, "stdout");
    ok(await wn(["worker", "--name", "pipe", "--parallel", "1", "--max-jobs", "4", "--quiet"], e), "worker");
    const done = ok(await follow.done, "follow");
    assert.doesNotMatch(done.stdout, /\r|\x1b/);
    assert.match(done.stdout, /^\d\d:\d\d:\d\d  pending 0  queued 0  running 0  completed 3  failed 1 .*100% ended/m);
    assert.match(done.stdout, /3 completed, 1 failed, 0 cancelled of 4 jobs/);
    assert.match(done.stdout, /failed: the-bad-one \(job \d+\)/);
  });

  it("status --help explains queued", async () => {
    assert.match(ok(await wn(["status", "--help"]), "help").stdout, /queued \(claimed by a worker, not started yet\)/);
  });
});

describe("lists people can read", () => {
  it("queue ls names the worker by its --name and says when more jobs exist than it showed, and how to see them", async () => {
    const e = { WHATSNEXT_PROJECT: "lists" };
    ok(await wn(["projects", "create", "lists"]), "project");
    ok(await wn(["tasks", "create", "t", "--command", "true"], e), "task");
    for (const i of [1, 2, 3]) ok(await wn(["jobs", "add", "t", "--name", `j${i}`], e), "add");
    ok(await wn(["worker", "--name", "laptop-worker", "--max-jobs", "3", "--quiet"], e), "worker");
    const all = ok(await wn(["queue", "ls"], e), "ls");
    assert.match(all.stdout, /^\d+ +j1 +t +completed .* laptop-worker /m);
    assert.doesNotMatch(all.stdout, /w-[0-9a-f]{8}-/);
    assert.equal(all.stderr, "");
    const cut = ok(await wn(["queue", "ls", "--limit", "2"], e), "ls --limit 2");
    assert.equal(cut.stdout.trim().split("\n").length, 3, "a header and two jobs");
    assert.match(cut.stderr, /showing the first 2 jobs; more exist\. Show more with --limit N \(e\.g\. --limit 1000\), or narrow with --status and --task/);
  });
});
