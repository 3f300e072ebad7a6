/**
 * The `whatsnext` command driven as a real process against a real server:
 * configuration (init, file, environment, flags), every command's happy path
 * and error path, --json parsed, and the exit codes scripts rely on
 * (0 done, 1 failed, 2 called wrongly).
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { WorkerService } from "../gen/whatsnext/v1/worker_pb.js";
import { runCli, startCli, tempFolder, fails, ok } from "./support/run-cli.js";
import { useCliServer } from "./support/cli-server.js";

interface ProjectJson {
  id: string;
  name: string;
  description: string;
  status: string;
}
interface TaskJson {
  id: string;
  name: string;
  commandTemplate: string;
  requiredCpu: number;
  requiredAccelerators: number;
}
interface JobJson {
  id: string;
  name: string;
  taskName: string;
  status: string;
  priority: number;
  parameters: Record<string, unknown>;
  dependsOn: string[];
  maxAttempts: number;
}

const cli = useCliServer();
const wn = cli.wn;

describe("configuration", () => {
  it("init writes .whatsnext; commands then use its server and project; environment and flags override it", async () => {
    const folder = tempFolder();
    const init = ok(await runCli(["init", "--force", "--server", cli.server.url, "--project", "cfg", "--json"], { cwd: folder }), "init");
    const path = join(folder, ".whatsnext");
    assert.equal(init.json<{ path: string }>().path, path);
    assert.match(readFileSync(path, "utf8"), new RegExp(`server: ${cli.server.url}`));
    const [again, created] = await Promise.all([
      runCli(["init"], { cwd: folder }),
      runCli(["projects", "create", "cfg", "--json"], { cwd: folder }),
    ]);
    fails(again, 2, /exists; pass --force/);
    assert.equal(ok(created, "create from the file's server").json<ProjectJson>().name, "cfg");
    // The file's project is the default; the environment beats the file; a flag beats the environment.
    await wn(["projects", "create", "cfg-env"]);
    const [fromFile, fromEnv, fromFlag] = await Promise.all([
      runCli(["projects", "show", "--json"], { cwd: folder }),
      runCli(["projects", "show", "--json"], { cwd: folder, env: { WHATSNEXT_PROJECT: "cfg-env" } }),
      runCli(["projects", "show", "--json", "--server", "http://127.0.0.1:9"], { cwd: folder, env: { WHATSNEXT_PROJECT: "cfg-env" } }),
    ]);
    assert.equal(ok(fromFile, "show").json<ProjectJson>().name, "cfg");
    assert.equal(ok(fromEnv, "show").json<ProjectJson>().name, "cfg-env");
    fails(fromFlag, 1, /cannot reach the server at http:\/\/127\.0\.0\.1:9/);
  });

  it("finds the file at the git root and in the home folder, and --config names one", async () => {
    const home = tempFolder();
    const repo = join(home, "repo");
    mkdirSync(join(repo, ".git", "x"), { recursive: true });
    mkdirSync(join(repo, "sub", "deeper"), { recursive: true });
    writeFileSync(join(home, ".whatsnext"), `server: ${cli.server.url}\nproject: from-home\n`);
    writeFileSync(join(repo, ".whatsnext"), `server: ${cli.server.url}\nproject: from-git-root\n`);
    const named = join(home, "other.yaml");
    writeFileSync(named, `server: ${cli.server.url}\nproject: from-named\n`);
    // .whatsnext may be the server's data folder: then its config.yaml is read.
    mkdirSync(join(home, "withdata", ".whatsnext", "data"), { recursive: true });
    writeFileSync(join(home, "withdata", ".whatsnext", "config.yaml"), `server: ${cli.server.url}\nproject: from-folder\n`);
    await Promise.all(["from-home", "from-git-root", "from-named", "from-folder"].map((p) => wn(["projects", "create", p])));
    const run = (cwd: string, args: string[] = []) => runCli(["projects", "show", "--json", ...args], { cwd, env: { HOME: home } });
    const [deep, outside, withNamed, withData, bad] = await Promise.all([
      run(join(repo, "sub", "deeper")),
      run(home),
      run(join(repo, "sub"), ["--config", named]),
      run(join(home, "withdata")),
      run(home, ["--config", join(home, "missing.yaml")]),
    ]);
    assert.equal(ok(deep, "git root").json<ProjectJson>().name, "from-git-root");
    assert.equal(ok(outside, "home").json<ProjectJson>().name, "from-home");
    assert.equal(ok(withNamed, "--config").json<ProjectJson>().name, "from-named");
    assert.equal(ok(withData, ".whatsnext folder").json<ProjectJson>().name, "from-folder");
    fails(bad, 2, /missing\.yaml does not exist/);
  });

  it("rejects a broken config file and a bad server URL with exit 2", async () => {
    const folder = tempFolder();
    writeFileSync(join(folder, ".whatsnext"), "server: [1, 2\n");
    const folder2 = tempFolder();
    writeFileSync(join(folder2, ".whatsnext"), "servr: http://x\n");
    const [broken, unknownKey, badUrl] = await Promise.all([
      runCli(["projects", "ls"], { cwd: folder }),
      runCli(["projects", "ls"], { cwd: folder2 }),
      wn(["projects", "ls", "--server", "ftp://nope"]),
    ]);
    fails(broken, 2, /\.whatsnext cannot be read/);
    fails(unknownKey, 2, /unknown key servr/);
    fails(badUrl, 2, /server must start with http:\/\/ or https:\/\//);
  });

  it("answers --help and --version with 0, unknown commands and options with 2", async () => {
    const [help, sub, version, unknown, badOption] = await Promise.all([
      wn(["--help"]),
      wn(["jobs", "add", "--help"]),
      wn(["--version"]),
      wn(["frobnicate"]),
      wn(["projects", "ls", "--frob"]),
    ]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: whatsnext/);
    for (const cmd of ["init", "status", "projects", "tasks", "jobs", "queue", "workers", "keys", "worker", "serve"]) assert.match(help.stdout, new RegExp(`\\b${cmd}\\b`));
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /--param <key=value>/);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /\d+\.\d+\.\d+/);
    fails(unknown, 2, /unknown command 'frobnicate'/);
    fails(badOption, 2, /unknown option '--frob'/);
  });
});

describe("projects and tasks", () => {
  it("creates, lists, shows, archives and deletes projects", async () => {
    const created = ok(await wn(["projects", "create", "p-one", "--description", "first", "--json"]), "create");
    const project = created.json<ProjectJson>();
    assert.equal(project.description, "first");
    assert.equal(project.status, "PROJECT_STATUS_ACTIVE");
    const [dup, human, byId, missing] = await Promise.all([
      wn(["projects", "create", "p-one"]),
      wn(["projects", "ls"]),
      wn(["projects", "show", project.id, "--json"]),
      wn(["projects", "show", "p-missing"]),
    ]);
    fails(dup, 1, /p-one.*already_exists|already exists/);
    assert.match(ok(human, "ls").stdout, /^ID\s+NAME\s+STATUS/m);
    assert.match(human.stdout, /p-one\s+active/);
    assert.equal(ok(byId, "show by id").json<ProjectJson>().name, "p-one");
    fails(missing, 1, /p-missing.*not found|not_found/);

    ok(await wn(["projects", "archive", "p-one"]), "archive");
    const [listed, all] = await Promise.all([wn(["projects", "ls", "--json"]), wn(["projects", "ls", "--all", "--json"])]);
    assert.ok(!ok(listed, "ls").json<ProjectJson[]>().some((p) => p.name === "p-one"), "archived projects are hidden");
    assert.equal(ok(all, "ls --all").json<ProjectJson[]>().find((p) => p.name === "p-one")?.status, "PROJECT_STATUS_ARCHIVED");

    fails(await wn(["projects", "delete", "p-one"]), 2, /pass --yes/);
    ok(await wn(["projects", "delete", "p-one", "--yes"]), "delete");
    fails(await wn(["projects", "show", "p-one"]), 1, /not found/);
  });

  it("creates, lists, shows and deletes tasks of the current project", async () => {
    ok(await wn(["projects", "create", "p-tasks"]), "create project");
    const p = { WHATSNEXT_PROJECT: "p-tasks" };
    const task = ok(await wn(["tasks", "create", "train", "--command", "python train.py --lr {lr}", "--cpu", "2", "--accelerators", "1", "--json"], p), "create task").json<TaskJson>();
    assert.deepEqual([task.commandTemplate, task.requiredCpu, task.requiredAccelerators], ["python train.py --lr {lr}", 2, 1]);
    const [ls, show, dup, noCommand, badCpu, noProject] = await Promise.all([
      wn(["tasks", "ls", "--json"], p),
      wn(["tasks", "show", "train"], p),
      wn(["tasks", "create", "train", "--command", "x"], p),
      wn(["tasks", "create", "other"], p),
      wn(["tasks", "create", "other", "--command", "x", "--cpu", "two"], p),
      wn(["tasks", "ls"]),
    ]);
    assert.deepEqual(ok(ls, "ls").json<TaskJson[]>().map((x) => x.name), ["train"]);
    assert.match(ok(show, "show").stdout, /command:\s+python train\.py --lr \{lr\}/);
    fails(dup, 1, /already exists/);
    fails(noCommand, 2, /required option '--command <template>'/);
    fails(badCpu, 2, /--cpu must be a whole number/);
    fails(noProject, 2, /no project: pass --project/);
    ok(await wn(["tasks", "delete", "train", "--yes", "--project", "p-tasks"]), "delete");
    fails(await wn(["tasks", "show", "train"], p), 1, /not found/);
  });
});

describe("jobs and the queue", () => {
  const p = { WHATSNEXT_PROJECT: "p-jobs" };
  before(async () => {
    ok(await wn(["projects", "create", "p-jobs"]), "project");
    ok(await wn(["tasks", "create", "train", "--command", "echo {job_name}"], p), "task");
  });

  it("adds a job with typed parameters, priority and dependencies, and shows it", async () => {
    const first = ok(await wn(["jobs", "add", "train", "--name", "first", "--param", "lr=0.1", "--param", "model=resnet", "--param", "tags=[\"a\",1]", "--param", "on=true", "--json"], p), "add").json<JobJson>();
    assert.deepEqual(first.parameters, { lr: 0.1, model: "resnet", tags: ["a", 1], on: true });
    assert.equal(first.status, "JOB_STATUS_PENDING");
    const second = ok(await wn(["jobs", "add", "train", "--name", "second", "--priority", "5", "--depends", first.id, "--max-attempts", "3", "--json"], p), "add").json<JobJson>();
    assert.deepEqual([second.priority, second.dependsOn, second.maxAttempts], [5, [first.id], 3]);
    const [show, deps, badParam, badPriority, noTask, missingDep] = await Promise.all([
      wn(["jobs", "show", second.id], p),
      wn(["jobs", "deps", second.id, "--json"], p),
      wn(["jobs", "add", "train", "--param", "novalue"], p),
      wn(["jobs", "add", "train", "--priority", "high"], p),
      wn(["jobs", "add", "no-such-task"], p),
      wn(["jobs", "add", "train", "--depends", "999999"], p),
    ]);
    assert.match(ok(show, "show").stdout, /status:\s+pending/);
    assert.match(show.stdout, new RegExp(`depends on:\\s+${first.id}`));
    const d = ok(deps, "deps").json<{ dependencies: Array<{ id: string; status: string }>; allCompleted: boolean }>();
    assert.deepEqual(d.dependencies.map((x) => [x.id, x.status]), [[first.id, "JOB_STATUS_PENDING"]]);
    assert.equal(d.allCompleted, false);
    fails(badParam, 2, /--param must look like key=value/);
    fails(badPriority, 2, /--priority must be a whole number/);
    fails(noTask, 1, /no-such-task/);
    fails(missingDep, 1, /999999/);
  });

  it("cancels, retries and deletes jobs, with errors for impossible transitions and unknown ids", async () => {
    const job = ok(await wn(["jobs", "add", "train", "--name", "steer", "--json"], p), "add").json<JobJson>();
    const cancelled = ok(await wn(["jobs", "cancel", job.id, "--reason", "not needed", "--json"], p), "cancel").json<JobJson>();
    assert.equal(cancelled.status, "JOB_STATUS_CANCELLED");
    const [again, retried] = [await wn(["jobs", "cancel", job.id], p), await wn(["jobs", "retry", job.id, "--json"], p)];
    fails(again, 1, /cancelled/i);
    assert.equal(ok(retried, "retry").json<JobJson>().status, "JOB_STATUS_PENDING");
    fails(await wn(["jobs", "retry", job.id], p), 1, /pending/i);
    ok(await wn(["jobs", "delete", job.id], p), "delete");
    const [gone, badId] = await Promise.all([wn(["jobs", "show", job.id], p), wn(["jobs", "show", "abc"], p)]);
    fails(gone, 1, /not found/);
    fails(badId, 2, /job id must be a positive id/);
  });

  it("adds a batch from YAML (jobs, a grid, dependencies by name) and from JSON; rejects bad files with 2", async () => {
    ok(await wn(["projects", "create", "p-batch"]), "project");
    const b = { WHATSNEXT_PROJECT: "p-batch" };
    ok(await wn(["tasks", "create", "prep", "--command", "true"], b), "task");
    ok(await wn(["tasks", "create", "train", "--command", "echo {job_name}"], b), "task");
    const folder = tempFolder();
    const yamlFile = join(folder, "sweep.yaml");
    writeFileSync(
      yamlFile,
      ["task: train", "parameters: {epochs: 3}", "jobs:", "  - name: prepare", "    task: prep", "grid:", "  lr: [0.1, 0.01, 0.001]", "  seed: [1, 2]", "grid_depends_on: [prepare]", ""].join("\n"),
    );
    const jsonFile = join(folder, "more.json");
    writeFileSync(jsonFile, JSON.stringify([{ name: "j1", task: "train", parameters: { lr: 1 } }, { name: "j2", task: "train", depends_on: ["j1"], priority: 2 }]));
    const badFile = join(folder, "bad.yaml");
    writeFileSync(badFile, "jobs:\n  - name: a\n    task: train\n    depends_on: [zzz]\n");
    const [yamlRun, jsonRun, bad, missing, dry] = await Promise.all([
      wn(["jobs", "add-batch", yamlFile, "--json", "--progress"], b),
      wn(["jobs", "add-batch", jsonFile, "--json"], b),
      wn(["jobs", "add-batch", badFile], b),
      wn(["jobs", "add-batch", join(folder, "nope.yaml")], b),
      wn(["jobs", "add-batch", yamlFile, "--dry-run"], b),
    ]);
    assert.equal(ok(yamlRun, "yaml").json<{ created: number }>().created, 7);
    assert.match(yamlRun.stderr, /\[#+\] 7\/7 jobs/, "the progress bar reached the end");
    assert.equal(ok(jsonRun, "json").json<{ created: number }>().created, 2);
    fails(bad, 2, /depends_on "zzz" names no earlier job/);
    fails(missing, 2, /cannot read .*nope\.yaml/);
    assert.match(ok(dry, "dry run").stdout, /7 jobs, not created/);

    const jobs = ok(await wn(["queue", "ls", "--json"], b), "ls").json<JobJson[]>();
    assert.equal(jobs.length, 9);
    const prepare = jobs.find((j) => j.name === "prepare")!;
    const grid = jobs.filter((j) => j.taskName === "train" && j.name.startsWith("train-"));
    assert.equal(grid.length, 6);
    for (const j of grid) {
      assert.deepEqual(j.dependsOn, [prepare.id]);
      assert.equal(j.parameters.epochs, 3);
    }
    assert.deepEqual(grid.map((j) => j.name).sort(), ["train-lr=0.001-seed=1", "train-lr=0.001-seed=2", "train-lr=0.01-seed=1", "train-lr=0.01-seed=2", "train-lr=0.1-seed=1", "train-lr=0.1-seed=2"]);
    const j1 = jobs.find((j) => j.name === "j1")!;
    assert.deepEqual(jobs.find((j) => j.name === "j2")!.dependsOn, [j1.id]);

    const [filtered, byTask, badStatus, stats] = await Promise.all([
      wn(["queue", "ls", "--status", "pending", "--task", "prep", "--json"], b),
      wn(["jobs", "ls", "--task", "train", "--limit", "3", "--json"], b),
      wn(["queue", "ls", "--status", "sleeping"], b),
      wn(["queue", "stats", "--json"], b),
    ]);
    assert.deepEqual(ok(filtered, "filter").json<JobJson[]>().map((j) => j.name), ["prepare"]);
    assert.equal(ok(byTask, "limit").json<JobJson[]>().length, 3);
    fails(badStatus, 2, /unknown status "sleeping"/);
    const s = ok(stats, "stats").json<{ pending: string; total: string }>();
    assert.equal(s.total, "9");
    assert.equal(s.pending, "9");

    fails(await wn(["queue", "clear"], b), 2, /pass --yes/);
    assert.equal(ok(await wn(["queue", "clear", "--yes", "--json"], b), "clear").json<{ deleted: string }>().deleted, "9");
  });

  it("reports status, and status --follow --until-done ends when the last job ends", async () => {
    ok(await wn(["projects", "create", "p-status"]), "project");
    const s = { WHATSNEXT_PROJECT: "p-status" };
    ok(await wn(["tasks", "create", "t", "--command", "true"], s), "task");
    const job = ok(await wn(["jobs", "add", "t", "--json"], s), "add").json<JobJson>();
    const status = ok(await wn(["status", "--json"], s), "status").json<{ server: string; project: ProjectJson; stats: { pending: string; total: string } }>();
    assert.equal(status.project.name, "p-status");
    assert.equal(status.stats.pending, "1");
    assert.equal(status.server, cli.server.url);
    const human = ok(await wn(["status"], s), "status");
    assert.match(human.stdout, /pending:\s+1/);
    assert.match(human.stdout, /workers:\s+\d+ active, \d+ registered/);

    const follow = startCli(["status", "--follow", "--until-done", "--json"], { env: { ...cli.env, ...s } });
    await follow.waitFor(/"pending": ?"1"|"pending":"1"/, "stdout");
    ok(await wn(["jobs", "cancel", job.id], s), "cancel");
    const done = await follow.done;
    assert.equal(done.code, 0, done.stderr);
    const lines = done.stdout.trim().split("\n").map((l) => JSON.parse(l) as { stats: { pending: string; cancelled: string } });
    assert.equal(lines.at(-1)!.stats.cancelled, "1");
    assert.equal(lines.at(-1)!.stats.pending, "0");
  });

  it("queue ls --follow prints the listing, then each change", async () => {
    ok(await wn(["projects", "create", "p-follow"]), "project");
    const f = { WHATSNEXT_PROJECT: "p-follow" };
    ok(await wn(["tasks", "create", "t", "--command", "true"], f), "task");
    ok(await wn(["jobs", "add", "t", "--name", "before"], f), "add");
    const follow = startCli(["queue", "ls", "--follow", "--json"], { env: { ...cli.env, ...f } });
    await follow.waitFor(/"existing"/, "stdout");
    ok(await wn(["jobs", "add", "t", "--name", "after"], f), "add");
    await follow.waitFor(/"name":"after"/, "stdout");
    follow.child.kill("SIGINT");
    const done = await follow.done;
    assert.equal(done.code, 0, done.stderr);
    const events = done.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; job: JobJson });
    assert.deepEqual(events.map((e) => [e.type, e.job.name]), [["existing", "before"], ["created", "after"]]);
  });
});

describe("workers", () => {
  it("lists, shows, deactivates and deletes workers", async () => {
    const workers = cli.server.client(WorkerService);
    const { worker } = await workers.registerWorker({ id: "cli-test-worker", name: "box", availableCpu: 4 });
    assert.ok(worker);
    const [ls, clients, show, missing] = await Promise.all([
      wn(["workers", "ls", "--json"]),
      wn(["clients", "ls"]),
      wn(["workers", "show", "cli-test-worker"]),
      wn(["workers", "show", "nobody"]),
    ]);
    assert.ok(ok(ls, "ls").json<Array<{ id: string }>>().some((w) => w.id === "cli-test-worker"));
    assert.match(ok(clients, "clients alias").stdout, /cli-test-worker\s+box\s+yes\s+4/);
    assert.match(ok(show, "show").stdout, /name:\s+box/);
    fails(missing, 1, /nobody/);
    ok(await wn(["workers", "deactivate", "cli-test-worker"]), "deactivate");
    const [active, all] = await Promise.all([wn(["workers", "ls", "--json"]), wn(["workers", "ls", "--all", "--json"])]);
    assert.ok(!ok(active, "ls").json<Array<{ id: string }>>().some((w) => w.id === "cli-test-worker"));
    assert.equal(ok(all, "ls --all").json<Array<{ id: string; active: boolean }>>().find((w) => w.id === "cli-test-worker")?.active, false);
    ok(await wn(["workers", "delete", "cli-test-worker"]), "delete");
    fails(await wn(["workers", "show", "cli-test-worker"]), 1, /not found/);
  });
});
