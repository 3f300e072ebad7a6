/**
 * `whatsnext sweep …` and `jobs show` attempts, driven as real processes
 * against a real server: the grid, list and random file forms, bad files
 * refused with the line at fault, --dry-run asking the server, create / ls /
 * show / extend / cancel / retry with --json, and a job's attempts with
 * their provenance after a real worker ran them.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseSweepFile } from "../src/cli/sweep-file.js";
import { fails, ok, runCli, tempFolder, type CliResult } from "./support/run-cli.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

interface SweepJson {
  id: string;
  name: string;
  taskName: string;
  counts: Record<string, string>;
  progress: number;
}
interface JobJson {
  id: string;
  name: string;
  status: string;
  parameters: Record<string, unknown>;
  exitCode?: number;
}
interface AttemptJson {
  number: number;
  workerId: string;
  workerHost: string;
  outcome: string;
  command: string;
  exitCode?: number;
  message: string;
  outputTail: string;
  startTime?: string;
  finishTime?: string;
}

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t?.close();
});

/** The CLI against the test server, in `folder`, on project `project`. */
function cli(folder: string, project: string) {
  return (args: string[]): Promise<CliResult> => runCli(args, { cwd: folder, env: { WHATSNEXT_SERVER: t.url, WHATSNEXT_PROJECT: project } });
}

function file(folder: string, name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

describe("whatsnext sweep", () => {
  it("creates grid, list and random sweeps from files, idempotently; names them by name: or the file; lists and shows them", async () => {
    const folder = tempFolder("wn-sweep-");
    const wn = cli(folder, "sw-forms");
    ok(await wn(["projects", "create", "sw-forms"]), "project");
    ok(await wn(["tasks", "create", "train", "--command", "true {lr}"]), "task");
    const grid = file(folder, "lr-grid.yaml", "task: train\nparameters: {epochs: 3}\nmax_attempts: 2\ngrid:\n  lr: [0.1, 0.01, 0.001]\n  seed: [1, 2]\n");
    const list = file(folder, "picked.json", JSON.stringify({ name: "hand-picked", task: "train", list: [{ lr: 0.5 }, { lr: 0.25 }, { lr: 0.5 }] }));
    const random = file(
      folder,
      "rand.yaml",
      `task: train
random:
  seed: 11
  count: 25
  parameters:
    lr: {log_uniform: [1.0e-5, 1.0e-1]}
    layers: {int_uniform: [2, 8]}
    optimizer: [adam, sgd, lion]
`,
    );
    const [g, l, r] = await Promise.all([wn(["sweep", "create", grid, "--json"]), wn(["sweep", "create", list, "--json"]), wn(["sweep", "create", random, "--json"])]);
    const gj = ok(g, "grid").json<{ sweep: SweepJson; existing: boolean; createdJobs: string }>();
    assert.deepEqual([gj.sweep.name, gj.existing, gj.createdJobs], ["lr-grid", false, "6"]);
    // A parameter set listed twice is one job.
    const lj = ok(l, "list").json<{ sweep: SweepJson; createdJobs: string }>();
    assert.deepEqual([lj.sweep.name, lj.createdJobs], ["hand-picked", "2"]);
    const rj = ok(r, "random").json<{ sweep: SweepJson; createdJobs: string }>();
    assert.equal(rj.sweep.name, "rand");
    assert.ok(Number(rj.createdJobs) >= 20 && Number(rj.createdJobs) <= 25, rj.createdJobs);

    const [again, human, renamed] = await Promise.all([wn(["sweep", "create", grid, "--json"]), wn(["sweep", "create", grid]), wn(["sweep", "create", grid, "--name", "lr-grid-2"])]);
    const [ls, lsHuman] = await Promise.all([wn(["sweep", "ls", "--json"]), wn(["sweep", "ls"])]);
    assert.equal(ok(again, "again").json<{ existing: boolean }>().existing, true);
    assert.match(ok(human, "again, for a person").stdout, /sweep lr-grid \(id \d+\) exists with this spec: nothing created \(6 jobs\)/);
    assert.match(ok(renamed, "--name").stdout, /created sweep lr-grid-2 \(id \d+\) in sw-forms: 6 jobs of task train/);
    const listed = ok(ls, "ls").json<SweepJson[]>();
    assert.deepEqual(listed.map((s) => s.name).sort(), ["hand-picked", "lr-grid", "lr-grid-2", "rand"]);
    assert.match(ok(lsHuman, "ls").stdout, /NAME\s+TASK\s+KIND\s+JOBS[^\n]*\n(.|\n)*lr-grid\s+train\s+grid 3×2\s+6\s+0%/);

    // The jobs carry the file's parameters under each set, and the sweep's max_attempts.
    const jobs = ok(await wn(["queue", "ls", "--json", "--task", "train", "--limit", "100"]), "queue ls").json<Array<JobJson & { maxAttempts: number }>>();
    const first = jobs.find((j) => j.name === "train-lr=0.1-seed=1");
    assert.deepEqual(first?.parameters, { epochs: 3, lr: 0.1, seed: 1 });
    assert.equal(first?.maxAttempts, 2);

    const show = ok(await wn(["sweep", "show", "rand"]), "show").stdout;
    assert.match(show, /sweep:\s+rand \(id \d+\)\n/);
    assert.match(show, /kind:\s+random 25 \(seed 11\)/);
    assert.match(show, /\[\.{30}\] 0%\s+0\/\d+ ended/);
    assert.match(show, /PENDING\s+QUEUED\s+RUNNING\s+COMPLETED\s+FAILED\s+BLOCKED\s+CANCELLED\s+TOTAL/);
    assert.match(show, /no failed jobs/);
  });

  it("refuses bad files with exit 2 and the line at fault, before anything is sent", async () => {
    const folder = tempFolder("wn-sweep-bad-");
    const wn = cli(folder, "sw-bad");
    const cases: Array<[string, string, RegExp]> = [
      ["typo.yaml", "task: train\ngrdi:\n  lr: [1, 2]\n", /typo\.yaml:2: grdi: unknown key \(known: name, task/],
      ["empty-axis.yaml", "task: train\ngrid:\n  lr: [1, 2]\n  seed: []\n", /empty-axis\.yaml:4: grid\.seed: must be a non-empty list of values/],
      ["log-zero.yaml", "task: train\nrandom:\n  count: 5\n  parameters:\n    a: {uniform: [0, 1]}\n    lr: {log_uniform: [0, 0.1]}\n", /log-zero\.yaml:6: random\.parameters\.lr\.log_uniform: low must be above 0, got 0/],
      ["ints.yaml", "task: train\nrandom:\n  count: 5\n  parameters:\n    n: {int_uniform: [1.5, 4]}\n", /ints\.yaml:5: random\.parameters\.n\.int_uniform: low and high must be whole numbers/],
      ["no-count.yaml", "task: train\nrandom:\n  parameters:\n    a: {uniform: [0, 1]}\n", /no-count\.yaml:2: random: needs count:/],
      ["bad-dist.yaml", "task: train\nrandom:\n  count: 3\n  parameters:\n    a: {normal: [0, 1]}\n", /bad-dist\.yaml:5: random\.parameters\.a: must be \{uniform: \[low, high\]\}/],
      ["list-item.yaml", "task: train\nlist:\n  - {a: 1}\n  - 3\n", /list-item\.yaml:4: list\[1\]: must be a mapping, got 3/],
      ["two-forms.yaml", "task: train\ngrid: {a: [1]}\nlist:\n  - {a: 2}\n", /two-forms\.yaml:3: list: a sweep is one of grid:, list: or random:, and this file also has grid:/],
      ["no-task.yaml", "grid: {a: [1]}\n", /no-task\.yaml:1: needs task:/],
      ["syntax.yaml", "task: train\ngrid: {a: [1, 2\n", /syntax\.yaml:3: not valid YAML or JSON/],
      ["batch.yaml", "task: train\ngrid: {a: [1]}\nname_template: \"a{a}\"\n", /batch\.yaml:3: name_template: belongs to batch files \(whatsnext jobs add-batch\)/],
      ["priority.yaml", "task: train\npriority: high\ngrid: {a: [1]}\n", /priority\.yaml:2: priority: must be a whole number/],
    ];
    // The checks themselves in-process (one CLI process per case would be slow); a few through the real command for the exit code.
    for (const [name, text, expected] of cases) assert.throws(() => parseSweepFile(text, name), expected);
    const viaCli = await Promise.all([cases[0]!, cases[2]!].map(([name, text]) => wn(["sweep", "create", file(folder, name, text)])));
    fails(viaCli[0]!, 2, /error: \/.*typo\.yaml:2: grdi: unknown key/);
    fails(viaCli[1]!, 2, /error: \/.*log-zero\.yaml:6: random\.parameters\.lr\.log_uniform: low must be above 0/);
    fails(await wn(["sweep", "create", join(folder, "missing.yaml")]), 2, /cannot read .*missing\.yaml: ENOENT/);
  });

  it("--dry-run asks the server: an unknown task fails with 1 and its name; a good file lists the jobs it would create", async () => {
    const folder = tempFolder("wn-sweep-dry-");
    const wn = cli(folder, "sw-dry");
    ok(await wn(["projects", "create", "sw-dry"]), "project");
    ok(await wn(["tasks", "create", "train", "--command", "true"]), "task");
    const unknown = file(folder, "typo.yaml", "task: trian\ngrid: {lr: [1, 2]}\n");
    const good = file(folder, "good.yaml", "task: train\ngrid:\n  lr: [0.1, 0.2]\n  seed: [1, 2, 3]\n");
    const [u, uj, g, gj] = await Promise.all([
      wn(["sweep", "create", unknown, "--dry-run"]),
      wn(["sweep", "create", unknown, "--dry-run", "--json"]),
      wn(["sweep", "create", good, "--dry-run"]),
      wn(["sweep", "create", good, "--dry-run", "--json"]),
    ]);
    assert.equal(u.code, 1, u.stderr);
    assert.match(u.stdout, /error: unknown task trian in project sw-dry/);
    assert.equal(uj.code, 1);
    assert.deepEqual(uj.json<{ taskExists: boolean; problems: string[] }>().taskExists, false);
    assert.match(ok(g, "dry run").stdout, /sweep good: 6 jobs of task train\n(.|\n)*train-lr=0\.1-seed=1\s+\{"lr":0\.1,"seed":1\}(.|\n)*ok: nothing created \(dry run\)/);
    const dry = ok(gj, "dry run --json").json<{ jobs: number; taskExists: boolean; sweepExists: boolean; parameterSets: unknown[] }>();
    assert.deepEqual([dry.jobs, dry.taskExists, dry.sweepExists, dry.parameterSets.length], [6, true, false, 6]);
    assert.deepEqual(ok(await wn(["sweep", "ls", "--json"]), "ls").json<unknown[]>(), [], "nothing was created");
  });

  it("shows failures with their parameter sets after a worker ran the sweep; retries them in one command; extends and cancels; jobs show lists each attempt", async () => {
    const folder = tempFolder("wn-sweep-run-");
    const wn = cli(folder, "sw-run");
    ok(await wn(["projects", "create", "sw-run"]), "project");
    // seed 3 fails the first time a job runs and succeeds after (a marker per job id).
    const script = file(folder, "job.sh", `echo "run lr=$1 seed=$2"\nif [ "$2" = 3 ] && [ ! -e "${folder}/ran-$3" ]; then touch "${folder}/ran-$3"; echo "diverged" >&2; exit 4; fi\n`);
    ok(await wn(["tasks", "create", "train", "--command", `bash ${script} {lr} {seed} {job_id}`]), "task");
    const sweepFile = file(folder, "s.yaml", "task: train\ngrid:\n  lr: [0.1, 0.2]\n  seed: [1, 3]\n");
    ok(await wn(["sweep", "create", sweepFile]), "create");
    const worker = ["worker", "--wait", "1", "--cpus", "2", "--json", "--max-jobs"];
    ok(await wn([...worker, "4"]), "worker");

    const [show, showJson] = await Promise.all([wn(["sweep", "show", "s"]), wn(["sweep", "show", "s", "--json"])]);
    assert.match(ok(show, "show").stdout, /\[#{30}\] 100%\s+4\/4 ended/);
    assert.match(show.stdout, /failed parameter sets \(retry them with `whatsnext sweep retry s`\):\nJOB\s+TRY\s+EXIT\s+MESSAGE\s+PARAMETERS\n\d+\s+1\/1\s+4\s+exited with code 4\s+\{"lr":0\.1,"seed":3\}/);
    const shown = showJson.json<{ sweep: SweepJson; failedJobs: JobJson[] }>();
    assert.deepEqual([shown.sweep.counts.completed, shown.sweep.counts.failed, shown.sweep.progress], ["2", "2", 1]);
    assert.deepEqual(shown.failedJobs.map((j) => j.parameters).sort((a, b) => Number(a.lr) - Number(b.lr)), [{ lr: 0.1, seed: 3 }, { lr: 0.2, seed: 3 }]);

    const retried = ok(await wn(["sweep", "retry", "s", "--json"]), "retry").json<{ retriedJobIds: string[]; skippedJobIds: string[] }>();
    assert.deepEqual([retried.retriedJobIds.length, retried.skippedJobIds.length], [2, 0]);
    ok(await wn([...worker, "2"]), "worker again");
    const afterRetry = ok(await wn(["sweep", "show", "s", "--json"]), "show").json<{ sweep: SweepJson; failedJobs: JobJson[] }>();
    assert.deepEqual([afterRetry.sweep.counts.completed, afterRetry.failedJobs.length], ["4", 0]);

    // Every attempt of a retried job, with where, when and how it ran.
    const failedId = shown.failedJobs[0]!.id;
    const [jobShow, jobJson] = await Promise.all([wn(["jobs", "show", failedId]), wn(["jobs", "show", failedId, "--json"])]);
    const attempts = ok(jobJson, "jobs show --json").json<JobJson & { attempts: AttemptJson[] }>().attempts;
    assert.deepEqual(
      attempts.map((a) => [a.number, a.outcome, a.exitCode]),
      [
        [1, "ATTEMPT_OUTCOME_FAILED", 4],
        [2, "ATTEMPT_OUTCOME_COMPLETED", 0],
      ],
    );
    for (const a of attempts) {
      assert.ok(a.workerId !== "" && a.workerHost !== "" && a.startTime && a.finishTime, JSON.stringify(a));
      assert.match(a.command, new RegExp(`^bash ${script} 0\\.\\d ${3} ${failedId}$`));
    }
    assert.match(attempts[0]!.outputTail, /diverged/);
    assert.match(
      ok(jobShow, "jobs show").stdout,
      /--- attempts ---\nattempt 1: failed\n  worker:\s+\S+ "[^"]+" on \S+\n  claimed:.*\n  started:.*\n  finished:.*\n  command:\s+bash .*\n  exit code:\s+4\n  message:\s+exited with code 4\n  output:\n    run lr=0\.\d seed=3\n    diverged\nattempt 2: completed\n/,
    );
    assert.match(jobShow.stdout, /attempt 2: completed(.|\n)*--- output \(last lines of stdout and stderr\) ---\nrun lr/);

    // Extending with an overlapping grid adds only the new sets; a file of another task is refused.
    const wider = file(folder, "s-wider.yaml", "name: s\ntask: train\ngrid:\n  lr: [0.1, 0.2, 0.3]\n  seed: [1, 3]\n");
    const extended = ok(await wn(["sweep", "extend", wider, "--json"]), "extend").json<{ sweep: SweepJson; createdJobs: string; skippedDuplicates: string }>();
    assert.deepEqual([extended.createdJobs, extended.skippedDuplicates, extended.sweep.counts.total], ["2", "4", "6"]);
    ok(await wn(["tasks", "create", "other", "--command", "true"]), "other task");
    fails(await wn(["sweep", "extend", file(folder, "s-other.yaml", "name: s\ntask: other\ngrid: {lr: [9]}\n")]), 1, /task other is not the task of sweep s \(train\)/);
    fails(await wn(["sweep", "extend", file(folder, "nope.yaml", "task: train\ngrid: {lr: [9]}\n")]), 1, /not_found/);

    const cancelled = ok(await wn(["sweep", "cancel", "s", "--reason", "enough", "--json"]), "cancel").json<{ sweep: SweepJson; cancelledJobIds: string[] }>();
    assert.deepEqual([cancelled.cancelledJobIds.length, cancelled.sweep.counts.cancelled], [2, "2"]);
    assert.match(ok(await wn(["sweep", "retry", "s"]), "retry").stdout, /retried 2 jobs of sweep s/);
    fails(await wn(["sweep", "show", "nope"]), 1, /not_found/);
  });
});
