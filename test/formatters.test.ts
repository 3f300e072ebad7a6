import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  answersOfRound,
  buildBatchScript,
  classifyRunaiStatus,
  CommandTemplateError,
  createCliFormatter,
  createFormatter,
  createRunaiFormatter,
  createSlurmFormatter,
  fillCommandTemplate,
  type FormatterSettings,
  FormatterSettingsError,
  type JobForFormatting,
  parameterToText,
  parseCommandTemplate,
  parseRunaiDescribe,
  parseSacctOutput,
  parseSbatchJobId,
  parseSqueueOutput,
  neverRuns,
  prepareCommand,
  resolveSlurmFolders,
  slurmCpusHeld,
  slurmEndOutcome,
  type RunContext,
  type RunOutcome,
  runaiEnvironmentName,
  templatePlaceholders,
} from "../src/worker/formatters/index.js";
import { environmentWith, type ProcessResult, runProcess } from "../src/worker/process-runner.js";

const FIXTURE_BIN = fileURLToPath(new URL("./fixtures/bin", import.meta.url));

/** A value that would do damage anywhere a shell or a word split got hold of it. */
const HOSTILE = `a b; rm -rf / $(touch pwned) \`touch pwned\` '"\\ {x} %j\nsecond line`;

function job(overrides: Partial<JobForFormatting> = {}): JobForFormatting {
  return {
    id: 42,
    name: "sweep-7",
    taskName: "train",
    commandTemplate: "print-argv {lr}",
    parameters: { lr: 0.1 },
    requiredCpu: 4,
    requiredAccelerators: 2,
    ...overrides,
  };
}

interface FakeWorld {
  dir: string;
  stateDir: string;
  env: Record<string, string>;
  /** Every call of a fake tool so far, as argv with the tool name first. */
  calls(): Promise<string[][]>;
  callsOf(tool: string): Promise<string[][]>;
}

/** A temp dir with the fake tools first on PATH, through the env given to the formatter only. */
async function fakeWorld(extraEnv: Record<string, string> = {}): Promise<FakeWorld> {
  const dir = await mkdtemp(join(tmpdir(), "wn-formatters-"));
  const stateDir = join(dir, "state");
  const recordFile = join(dir, "calls.jsonl");
  const env = environmentWith({
    PATH: `${FIXTURE_BIN}${delimiter}${process.env.PATH ?? ""}`,
    FAKE_STATE_DIR: stateDir,
    FAKE_RECORD_FILE: recordFile,
    ...extraEnv,
  });
  const calls = async (): Promise<string[][]> => {
    if (!existsSync(recordFile)) return [];
    const text = await readFile(recordFile, "utf8");
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as string[]);
  };
  return { dir, stateDir, env, calls, callsOf: async (tool) => (await calls()).filter((call) => call[0] === tool) };
}

interface Run {
  outcome: RunOutcome;
  started: string[];
}

/** Runs a job through a formatter; `abortOnStart` cancels it as soon as it has started. */
async function runJob(
  formatter: ReturnType<typeof createCliFormatter>,
  theJob: JobForFormatting,
  env: Record<string, string>,
  options: { abortOnStart?: boolean } = {},
): Promise<Run> {
  const controller = new AbortController();
  const started: string[] = [];
  const ctx: RunContext = {
    env,
    signal: controller.signal,
    onStarted: (display) => {
      started.push(display);
      if (options.abortOnStart) controller.abort();
    },
  };
  const outcome = await formatter.run(theJob, ctx);
  return { outcome, started };
}

/** Polls a condition the test cannot be told about (a fake job's process ending), with a deadline. */
async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("command templates", () => {
  test("split like a shell, then filled, give exact argv", () => {
    const argv = fillCommandTemplate(`python train.py --lr {lr} --name={name} "{title}" '{{literal}}' '' a\\ b "q\\"x"`, {
      lr: "0.1",
      name: "run 1",
      title: "A title",
    });
    assert.deepEqual(argv, ["python", "train.py", "--lr", "0.1", "--name=run 1", "A title", "{literal}", "", "a b", 'q"x']);
  });

  test("a substituted value is one argument, never split or interpreted", () => {
    assert.deepEqual(fillCommandTemplate("prog {v} --opt={v}", { v: HOSTILE }), ["prog", HOSTILE, `--opt=${HOSTILE}`]);
    assert.deepEqual(fillCommandTemplate("prog {v}", { v: "" }), ["prog", ""]);
  });

  test("a missing placeholder is an error naming each missing one", () => {
    assert.throws(
      () => fillCommandTemplate("prog {seed} {lr} {ok} {seed}", { ok: "1" }, "job 9"),
      (error: unknown) =>
        error instanceof CommandTemplateError &&
        /\{seed\}, \{lr\}/.test(error.message) &&
        /job 9 has no parameters "seed", "lr"/.test(error.message),
    );
  });

  test("what only a shell could do is refused instead of passed as text", () => {
    for (const template of ["python a.py > out.txt", "a | b", "a; b", "a && b", "echo $HOME", 'echo "$(id)"', "echo `id`", "python -c print(1)"]) {
      assert.throws(() => parseCommandTemplate(template), CommandTemplateError, template);
    }
    assert.deepEqual(fillCommandTemplate(`sh -c 'echo "$1" > /dev/null' sh {x}`, { x: "y" }), ["sh", "-c", 'echo "$1" > /dev/null', "sh", "y"]);
    assert.deepEqual(fillCommandTemplate("awk '{ print $1 }' costs $ 5", {}), ["awk", "{ print $1 }", "costs", "$", "5"]);
  });

  test("an unclosed quote is an error with its position", () => {
    assert.throws(() => parseCommandTemplate(`prog "abc`), /unclosed " quote starting at position 6/);
    assert.throws(() => parseCommandTemplate(`prog 'abc`), /unclosed ' quote/);
  });

  test("lists the placeholders a template uses", () => {
    assert.deepEqual(templatePlaceholders("a {x} --y={y}{x} '{{z}}'"), ["x", "y"]);
  });

  test("non-string parameters become JSON text", () => {
    assert.equal(parameterToText("0.1"), "0.1");
    assert.equal(parameterToText(0.1), "0.1");
    assert.equal(parameterToText(3), "3");
    assert.equal(parameterToText(true), "true");
    assert.equal(parameterToText(null), "null");
    assert.equal(parameterToText([1, "a"]), '[1,"a"]');
    assert.equal(parameterToText({ k: { n: 1 } }), '{"k":{"n":1}}');
  });
});

describe("prepareCommand", () => {
  test("fills the job's parameters and the built-in placeholders, which win over parameters", () => {
    const prepared = prepareCommand(
      job({
        commandTemplate: "run --id={job_id} --name {job_name} --task {task} --flag {flag} --cfg {cfg}",
        parameters: { flag: false, cfg: { a: [1] }, job_id: "spoofed" },
      }),
    );
    assert.deepEqual(prepared.argv, ["run", "--id=42", "--name", "sweep-7", "--task", "train", "--flag", "false", "--cfg", '{"a":[1]}']);
    assert.deepEqual(prepared.env, { WHATSNEXT_JOB_ID: "42", WHATSNEXT_JOB_NAME: "sweep-7", WHATSNEXT_TASK: "train" });
    assert.equal(prepared.display, `run --id=42 --name sweep-7 --task train --flag false --cfg '{"a":[1]}'`);
  });

  test("with an empty template runs executable script --key value, keys sorted", () => {
    const prepared = prepareCommand(job({ commandTemplate: "  ", parameters: { b: 2, a: "x y", c: { k: 1 } } }), {
      executable: "python",
      script: "train.py",
    });
    assert.deepEqual(prepared.argv, ["python", "train.py", "--a", "x y", "--b", "2", "--c", '{"k":1}']);
  });

  test("an empty template without an executable is an error naming the task", () => {
    assert.throws(() => prepareCommand(job({ commandTemplate: "" })), /task "train" has an empty command_template/);
  });

  test("a NUL character in a value is refused before anything runs", () => {
    assert.throws(() => prepareCommand(job({ parameters: { lr: "a\0b" } })), /NUL character/);
  });
});

describe("cli formatter", () => {
  test("runs exactly the filled argv without a shell and reports the display at start", async () => {
    const world = await fakeWorld();
    const formatter = createCliFormatter({ cwd: world.dir });
    const { outcome, started } = await runJob(
      formatter,
      job({ commandTemplate: "print-argv {v} --v={v} {n}", parameters: { v: HOSTILE, n: 7 } }),
      world.env,
    );
    assert.equal(outcome.success, true, outcome.message);
    assert.equal(outcome.exitCode, 0);
    assert.deepEqual(JSON.parse(outcome.outputTail), [HOSTILE, `--v=${HOSTILE}`, "7"]);
    assert.equal(existsSync(join(world.dir, "pwned")), false);
    assert.equal(started.length, 1);
    assert.equal(outcome.command, started[0]);
    // The display is what a person would paste into a shell: it must give the same argv there.
    const pasted = await runProcess({ argv: ["sh", "-c", started[0]!], env: world.env, cwd: world.dir });
    assert.deepEqual(JSON.parse(pasted.stdoutTail), [HOSTILE, `--v=${HOSTILE}`, "7"]);
    assert.equal(existsSync(join(world.dir, "pwned")), false);
  });

  test("a missing placeholder fails the job with its name and runs nothing", async () => {
    const world = await fakeWorld();
    const marker = join(world.dir, "ran");
    const { outcome, started } = await runJob(
      createCliFormatter(),
      job({ commandTemplate: "touch {marker} {seed}", parameters: { marker } }),
      world.env,
    );
    assert.equal(outcome.success, false);
    assert.match(outcome.message, /\{seed\}/);
    assert.equal(outcome.command, "");
    assert.deepEqual(started, []);
    assert.equal(existsSync(marker), false);
  });

  test("reports a non-zero exit with its code and output", async () => {
    const world = await fakeWorld();
    const { outcome } = await runJob(
      createCliFormatter(),
      job({ commandTemplate: `sh -c 'echo "failing at $1" >&2; exit 3' sh {lr}` }),
      world.env,
    );
    assert.equal(outcome.success, false);
    assert.equal(outcome.exitCode, 3);
    assert.equal(outcome.message, "exited with code 3");
    assert.equal(outcome.outputTail, "failing at 0.1\n");
    assert.equal(outcome.aborted, false);
  });

  test("gives the job the context's environment plus its WHATSNEXT_* variables", async () => {
    const world = await fakeWorld();
    const { outcome } = await runJob(
      createCliFormatter(),
      job({ commandTemplate: `sh -c 'echo "$WHATSNEXT_JOB_ID $WHATSNEXT_TASK $CUDA_VISIBLE_DEVICES"'` }),
      { ...world.env, CUDA_VISIBLE_DEVICES: "2,3" },
    );
    assert.equal(outcome.outputTail, "42 train 2,3\n");
  });

  test("runs executable + script when the task has no template", async () => {
    const world = await fakeWorld();
    const { outcome } = await runJob(
      createCliFormatter({ executable: "print-argv", script: "train.py" }),
      job({ commandTemplate: "", parameters: { seed: 1, lr: "1e-3" } }),
      world.env,
    );
    assert.deepEqual(JSON.parse(outcome.outputTail), ["train.py", "--lr", "1e-3", "--seed", "1"]);
  });

  test("a cancel stops the job and is reported as aborted", async () => {
    const world = await fakeWorld();
    const { outcome, started } = await runJob(createCliFormatter({ killGraceMs: 1_000 }), job({ commandTemplate: "sleep 30" }), world.env, {
      abortOnStart: true,
    });
    assert.equal(started.length, 1);
    assert.equal(outcome.aborted, true);
    assert.equal(outcome.success, false);
    assert.match(outcome.message, /cancelled \(killed by SIGTERM\)/);
  });

  test("a program that is not installed fails the job without reporting a start", async () => {
    const world = await fakeWorld();
    const { outcome, started } = await runJob(createCliFormatter(), job({ commandTemplate: "whatsnext-no-such-program {lr}" }), world.env);
    assert.equal(outcome.success, false);
    assert.match(outcome.message, /could not start: .*ENOENT/);
    assert.deepEqual(started, []);
  });
});

describe("slurm formatter", () => {
  const settings = (world: FakeWorld, more: Partial<FormatterSettings & { kind: "slurm" }> = {}) => ({
    outputDir: join(world.dir, "slurm"),
    pollIntervalMs: 20,
    partition: "gpu",
    time: "1:00:00",
    mem: "16G",
    ...more,
  });

  test("submits a batch script with sbatch, follows squeue and, once squeue forgot the job, reports sacct's COMPLETED", async () => {
    const world = await fakeWorld();
    const { outcome, started } = await runJob(
      createSlurmFormatter(settings(world, { extraArgs: ["--constraint=a100"] })),
      job({ commandTemplate: `sh -c 'echo "hello $1 from $SLURM_JOB_ID"' sh {who}`, parameters: { who: "world" } }),
      world.env,
    );
    assert.equal(outcome.success, true, outcome.message);
    assert.equal(outcome.exitCode, 0);
    assert.equal(outcome.message, "SLURM job 12345 COMPLETED (exit code 0)");
    assert.equal(outcome.outputTail, "hello world from 12345\n");
    assert.deepEqual(started, [`SLURM job 12345: sh -c 'echo "hello $1 from $SLURM_JOB_ID"' sh world`]);
    assert.equal(outcome.command, started[0]);

    const [sbatch, ...more] = await world.callsOf("sbatch");
    assert.equal(more.length, 0);
    const scriptPath = sbatch!.at(-1)!;
    const outputArg = sbatch!.find((arg) => arg.startsWith("--output="))!;
    assert.deepEqual(sbatch, [
      "sbatch",
      "--parsable",
      "--job-name=wn-42",
      outputArg,
      "--open-mode=append",
      "--partition=gpu",
      "--time=1:00:00",
      "--cpus-per-task=4",
      "--mem=16G",
      "--gres=gpu:2",
      "--constraint=a100",
      scriptPath,
    ]);
    assert.ok(scriptPath.startsWith(join(world.dir, "slurm", "job-42-")));
    assert.equal(outputArg, `--output=${join(scriptPath, "..", "output.log")}`);
    const squeueCalls = await world.callsOf("squeue");
    assert.ok(squeueCalls.length >= 1);
    for (const call of squeueCalls) {
      assert.deepEqual(call, ["squeue", "--noheader", "--array", "--states=all", "--jobs=12345", "--Format=JobID:|,ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,exit_code:|,NumCPUs:|,RestartCnt:|"]);
    }
    assert.deepEqual(await world.callsOf("sacct"), [["sacct", "--noheader", "--parsable2", "--allocations", "--jobs=12345", "--format=State,ExitCode"]]);
    assert.deepEqual(await world.callsOf("scancel"), []);
  });

  test("the batch script carries hostile values as exact arguments", async () => {
    const world = await fakeWorld();
    const hostile = `'; touch "${join(world.dir, "pwned")}"; echo '${HOSTILE}`;
    const theJob = job({ commandTemplate: "print-argv {v} {lr}", parameters: { v: hostile, lr: 0.1 } });
    const { outcome } = await runJob(createSlurmFormatter(settings(world)), theJob, world.env);
    assert.equal(outcome.success, true, outcome.message);
    assert.deepEqual(JSON.parse(outcome.outputTail), [hostile, "0.1"]);
    assert.equal(existsSync(join(world.dir, "pwned")), false);
    const script = buildBatchScript(theJob, prepareCommand(theJob), "/runs/job-42/exit-status");
    assert.match(script, /^#!\/bin\/sh\n/);
    assert.match(script, /\nexport WHATSNEXT_JOB_ID='42'\n/);
    assert.match(script, /\n\('print-argv' ''\\''; touch [\s\S]* '0\.1' 2>&3 3>&-\)\n/);
    assert.match(script, /\nstatus=\$\?\nprintf '%s\\n' "\$status" > '\/runs\/job-42\/exit-status.tmp' && mv -f '\/runs\/job-42\/exit-status.tmp' '\/runs\/job-42\/exit-status'\n/);
  });

  test("reports a failed job with SLURM's state and the script's exit code", async () => {
    const world = await fakeWorld();
    const { outcome } = await runJob(
      createSlurmFormatter(settings(world)),
      job({ commandTemplate: `sh -c 'echo boom >&2; exit 3'` }),
      world.env,
    );
    assert.equal(outcome.success, false);
    assert.equal(outcome.exitCode, 3);
    assert.equal(outcome.message, "SLURM job 12345 FAILED (exit code 3)");
    assert.equal(outcome.outputTail, "boom\n");
  });

  test("a refused submission fails with sbatch's error and follows nothing", async () => {
    const world = await fakeWorld();
    const { outcome, started } = await runJob(createSlurmFormatter(settings(world, { partition: "invalid" })), job(), world.env);
    assert.equal(outcome.success, false);
    assert.match(outcome.message, /^SLURM refused the job: sbatch exited with code 1: .*Invalid partition name specified/);
    assert.deepEqual(started, []);
    assert.deepEqual(await world.callsOf("squeue"), []);
  });

  test("a cancel runs scancel on the SLURM job, which stops it", async () => {
    const world = await fakeWorld();
    const { outcome, started } = await runJob(createSlurmFormatter(settings(world)), job({ commandTemplate: "sleep 30" }), world.env, {
      abortOnStart: true,
    });
    assert.equal(started.length, 1);
    assert.equal(outcome.aborted, true);
    assert.equal(outcome.success, false);
    assert.equal(outcome.message, "cancelled; sent scancel 12345");
    assert.deepEqual(await world.callsOf("scancel"), [["scancel", "12345"]]);
    await eventually(() => existsSync(join(world.stateDir, "slurm-12345.exit")), "the cancelled job to end");
    assert.equal((await readFile(join(world.stateDir, "slurm-12345.exit"), "utf8")).trim(), "143");
  });

  test("rides out squeue errors and accounting lag without mistaking them for an end", async () => {
    const world = await fakeWorld({ FAKE_SQUEUE_FAILURES: "2", FAKE_SACCT_LAG: "2" });
    const { outcome } = await runJob(createSlurmFormatter(settings(world)), job({ commandTemplate: "sh -c 'exit 0'" }), world.env);
    assert.equal(outcome.success, true, outcome.message);
    assert.ok((await world.callsOf("squeue")).length >= 3);
    assert.equal((await world.callsOf("sacct")).length, 3);
  });

  test("gives up and cancels the job when squeue keeps failing for a reason other than an unreachable controller", async () => {
    const world = await fakeWorld({ FAKE_SQUEUE_FAILURES: "1000", FAKE_SQUEUE_ERROR: "slurm_load_jobs error: Unexpected message received" });
    const { outcome } = await runJob(
      createSlurmFormatter(settings(world, { maxPollFailures: 3 })),
      job({ commandTemplate: "sleep 30" }),
      world.env,
    );
    assert.equal(outcome.success, false);
    assert.equal(outcome.aborted, false);
    assert.match(outcome.message, /^lost track of SLURM job 12345: 3 squeue calls failed in a row.*Unexpected message received.*; sent scancel 12345$/);
    assert.deepEqual(await world.callsOf("scancel"), [["scancel", "12345"]]);
  });

  test("follows a job through a controller outage, and gives it back as cluster-unavailable only past the outage limit", async () => {
    const world = await fakeWorld({ FAKE_SQUEUE_FAILURES: "1000" });
    const { outcome } = await runJob(
      // One failed squeue would be enough to give up on the job, were outage errors counted as failures.
      createSlurmFormatter(settings(world, { maxPollFailures: 1, controllerOutageLimitMs: 300 })),
      job({ commandTemplate: "sleep 30" }),
      world.env,
    );
    assert.equal(outcome.success, false);
    assert.equal(outcome.clusterUnavailable, true);
    assert.match(outcome.message, /^SLURM's controller has not answered for 0 s while following SLURM job 12345, which may still be there: squeue .*Socket timed out/);
    assert.deepEqual(await world.callsOf("scancel"), []);
  });

  test("asks for the task's CPUs and GPUs unless configured, and for none when there are none", async () => {
    const world = await fakeWorld();
    await runJob(createSlurmFormatter({ outputDir: join(world.dir, "slurm"), pollIntervalMs: 20 }), job({ requiredCpu: 0, requiredAccelerators: 0 }), world.env);
    await runJob(createSlurmFormatter({ outputDir: join(world.dir, "slurm"), pollIntervalMs: 20, cpus: 8, gpus: "a100:1" }), job(), world.env);
    await runJob(
      createSlurmFormatter({ outputDir: join(world.dir, "slurm"), pollIntervalMs: 20, gresName: "tesla", account: 1234, qos: "high", time: 10, mem: 4000, partition: 7 }),
      job(),
      world.env,
    );
    const [first, second, third] = await world.callsOf("sbatch");
    assert.deepEqual(first!.filter((arg) => /^--(cpus-per-task|gres|partition|time|mem|account|qos)=/.test(arg)), []);
    assert.deepEqual(second!.filter((arg) => /^--(cpus-per-task|gres)=/.test(arg)), ["--cpus-per-task=8", "--gres=gpu:a100:1"]);
    assert.deepEqual(third!.filter((arg) => /^--(cpus-per-task|gres|partition|time|mem|account|qos)=/.test(arg)), [
      "--partition=7",
      "--time=10",
      "--cpus-per-task=4",
      "--mem=4000",
      "--gres=tesla:2",
      "--account=1234",
      "--qos=high",
    ]);
  });

  test("parses sbatch, squeue and sacct answers", () => {
    assert.equal(parseSbatchJobId("12345\n"), "12345");
    assert.equal(parseSbatchJobId("678;cluster-a\n"), "678");
    assert.equal(parseSbatchJobId("Submitted batch job 5\n"), null);
    assert.deepEqual(parseSacctOutput("CANCELLED by 1000|0:15\nCANCELLED|0:15\n"), {
      state: "CANCELLED",
      rawState: "CANCELLED by 1000",
      exitCode: 0,
      signal: 15,
    });
    assert.deepEqual(parseSacctOutput("OUT_OF_MEMORY|0:125\n"), { state: "OUT_OF_MEMORY", rawState: "OUT_OF_MEMORY", exitCode: 0, signal: 125 });
    assert.equal(parseSacctOutput("\n"), null);
    const squeue = (fields: Partial<ProcessResult>): ProcessResult => ({
      exitCode: 0,
      signal: null,
      aborted: false,
      spawnError: null,
      outputTail: "",
      stdoutTail: "",
      stderrTail: "",
      ...fields,
    });
    // Real squeue lines: a pending array element (it has no job id of its own yet), a failed job (wait status 3 << 8), a killed one (signal 9).
    const records = parseSqueueOutput("7|7|2|PENDING|Resources|0|2|0|\n9|9|N/A|FAILED|NonZeroExitCode|768|1|0|\n10|10|N/A|FAILED|JobLaunchFailure|9|1|1|\n");
    assert.deepEqual(records.get("7_2"), { jobId: "7_2", state: "PENDING", reason: "Resources", exitCode: 0, signal: 0, cpus: 2, restarts: 0 });
    assert.deepEqual(records.get("9"), { jobId: "9", state: "FAILED", reason: "NonZeroExitCode", exitCode: 3, signal: 0, cpus: 1, restarts: 0 });
    assert.deepEqual(records.get("10"), { jobId: "10", state: "FAILED", reason: "JobLaunchFailure", exitCode: 0, signal: 9, cpus: 1, restarts: 1 });
    const argv = ["squeue"];
    assert.deepEqual([...answersOfRound(["9", "11"], squeue({ stdoutTail: "9|9|N/A|RUNNING|None|0|1|0|\n" }), argv).values()].map((a) => a.kind), ["listed", "absent"]);
    const gone = answersOfRound(["11"], squeue({ exitCode: 1, stderrTail: "slurm_load_jobs error: Invalid job id specified" }), argv);
    assert.deepEqual(gone.get("11"), { kind: "absent" });
    const down = answersOfRound(["9"], squeue({ exitCode: 1, stderrTail: "slurm_load_jobs error: Unable to contact slurm controller (connect failure)" }), argv);
    assert.deepEqual(down.get("9"), { kind: "error", unreachable: true, message: "squeue exited with code 1: slurm_load_jobs error: Unable to contact slurm controller (connect failure)" });
    const odd = answersOfRound(["9"], squeue({ exitCode: 1, stderrTail: "slurm_load_jobs error: Unexpected message received" }), argv);
    assert.deepEqual(odd.get("9"), { kind: "error", unreachable: false, message: "squeue exited with code 1: slurm_load_jobs error: Unexpected message received" });
  });

  test("bad settings stop the worker at start-up, naming the setting", () => {
    assert.throws(() => createSlurmFormatter({ pollIntervalMs: 0 }), (error: unknown) => error instanceof FormatterSettingsError && error.setting === "slurm.pollIntervalMs");
    assert.throws(() => createSlurmFormatter({ extraArgs: "--qos=high" as unknown as string[] }), /slurm\.extraArgs must be a list of strings/);
    assert.throws(() => createSlurmFormatter({ time: "" }), /slurm\.time must be a non-empty string or a number, got ""/);
    assert.throws(() => createSlurmFormatter({ jobArrays: "yes" as unknown as boolean }), /slurm\.jobArrays must be true or false, got "yes"/);
  });
});

describe("slurm pieces", () => {
  test("the batch script records the exit status, keeps the shell's notes out of the output and ends by the command's signal", async () => {
    const world = await fakeWorld();
    const marker = join(world.dir, "exit-status");
    const script = join(world.dir, "job.sh");
    const runScript = async (commandTemplate: string) => {
      const theJob = job({ commandTemplate });
      await writeFile(script, buildBatchScript(theJob, prepareCommand(theJob), marker));
      return runProcess({ argv: ["sh", script], env: world.env, signal: new AbortController().signal });
    };
    const failed = await runScript(`sh -c 'echo out; echo err >&2; exit 3'`);
    assert.equal(failed.exitCode, 3);
    assert.equal(failed.outputTail, "out\nerr\n");
    assert.equal((await readFile(marker, "utf8")).trim(), "3");
    const killed = await runScript(`sh -c 'echo dying; kill -9 $$'`);
    assert.equal(killed.signal, "SIGKILL", "SLURM sees the signal as if the command ran alone");
    assert.equal(killed.outputTail, "dying\n", "no 'Killed' from the shell in the job's output");
    assert.equal((await readFile(marker, "utf8")).trim(), "137");
    const missing = await runScript("whatsnext-no-such-program {lr}");
    assert.equal(missing.exitCode, 127);
    assert.match(missing.outputTail, /whatsnext-no-such-program: not found/);
  });

  test("an ended SLURM job's outcome: 128 + the signal, TIMEOUT and OUT_OF_MEMORY named, no exit code 0 for a job that did not complete", () => {
    const outcome = (state: string, exitCode: number | null, signal: number | null) => {
      const { success, exitCode: code, message } = slurmEndOutcome("7", { state, exitCode, signal }, "cmd", "");
      return { success, code, message };
    };
    assert.deepEqual(outcome("COMPLETED", 0, 0), { success: true, code: 0, message: "SLURM job 7 COMPLETED (exit code 0)" });
    assert.deepEqual(outcome("FAILED", 2, 0), { success: false, code: 2, message: "SLURM job 7 FAILED (exit code 2)" });
    assert.deepEqual(outcome("TIMEOUT", 0, 0), { success: false, code: null, message: "SLURM job 7 TIMEOUT: its time limit was reached (no exit code)" });
    assert.deepEqual(outcome("OUT_OF_MEMORY", 0, 125), { success: false, code: null, message: "SLURM job 7 OUT_OF_MEMORY: it used more memory than it asked for (no exit code)" });
    assert.deepEqual(outcome("CANCELLED", 0, 15), { success: false, code: 143, message: "SLURM job 7 CANCELLED: it was cancelled in SLURM (killed by signal 15, SIGTERM: exit code 143)" });
    assert.deepEqual(outcome("", 0, 0).success, true, "an exit marker saying 0");
  });

  test("pending reasons after which SLURM never runs a job, and those that pass", () => {
    for (const reason of ["PartitionConfig", "PartitionTimeLimit", "BadConstraints", "InvalidQOS", "QOSMaxCpuPerJobLimit", "AssocMaxWallDurationPerJobLimit"]) {
      assert.equal(neverRuns(reason), true, reason);
    }
    for (const reason of ["Resources", "Priority", "QOSGrpCpuLimit", "AssocMaxJobsLimit", "ReqNodeNotAvail, UnavailableNodes:n1", "Dependency", ""]) {
      assert.equal(neverRuns(reason), false, reason);
    }
    assert.equal(neverRuns("Licenses", ["Lic*"]), true);
  });

  test("folders: ~ is the jobs' home, a relative output_dir is taken from cwd, everything is absolute", () => {
    const env = { HOME: "/home/ada" };
    assert.deepEqual(resolveSlurmFolders({}, env, "/work"), { cwd: undefined, outputDir: "/home/ada/.whatsnext/slurm" });
    assert.deepEqual(resolveSlurmFolders({ outputDir: "~/runs" }, env, "/work"), { cwd: undefined, outputDir: "/home/ada/runs" });
    assert.deepEqual(resolveSlurmFolders({ outputDir: "runs" }, env, "/work"), { cwd: undefined, outputDir: "/work/runs" });
    assert.deepEqual(resolveSlurmFolders({ outputDir: "runs", cwd: "exp" }, env, "/work"), { cwd: "/work/exp", outputDir: "/work/exp/runs" });
    assert.deepEqual(resolveSlurmFolders({ outputDir: "/scratch/runs", cwd: "~" }, env, "/work"), { cwd: "/home/ada", outputDir: "/scratch/runs" });
  });

  test("a job holds at least one SLURM CPU, or what the cpus setting asks for", () => {
    assert.equal(slurmCpusHeld(0, {}), 1);
    assert.equal(slurmCpusHeld(2.5, {}), 3);
    assert.equal(slurmCpusHeld(1, { cpus: 8 }), 8);
    assert.equal(slurmCpusHeld(4, { cpus: 0 }), 1);
  });
});

describe("runai formatter", () => {
  const settings = (more: Partial<FormatterSettings & { kind: "runai" }> = {}) => ({
    project: "team-a",
    image: "registry.example/train:1",
    memory: "8G",
    pollIntervalMs: 20,
    ...more,
  });

  test("submits with parameters as variables, follows describe, and reports Succeeded with the logs", async () => {
    const world = await fakeWorld();
    const { outcome, started } = await runJob(
      createRunaiFormatter(settings({ extraArgs: ["--node-type", "a100"] })),
      job({
        commandTemplate: `sh -c 'echo "lr=$LEARNING_RATE bs=$BATCH_SIZE arg=$1 id=$WHATSNEXT_JOB_ID"' sh {learning_rate}`,
        parameters: { learning_rate: "1e-3", "batch-size": 64 },
        requiredCpu: 2,
        requiredAccelerators: 0.5,
      }),
      world.env,
    );
    assert.equal(outcome.success, true, outcome.message);
    assert.equal(outcome.exitCode, 0);
    const [submit] = await world.callsOf("runai");
    const name = submit![2]!;
    assert.match(name, /^wn-42-[0-9a-f]{6}$/);
    assert.deepEqual(submit, [
      "runai", "submit", name,
      "--project", "team-a",
      "--image", "registry.example/train:1",
      "--gpu", "0.5",
      "--cpu", "2",
      "--memory", "8G",
      "-e", "WHATSNEXT_JOB_ID=42",
      "-e", "WHATSNEXT_JOB_NAME=sweep-7",
      "-e", "WHATSNEXT_TASK=train",
      "-e", "BATCH_SIZE=64",
      "-e", "LEARNING_RATE=1e-3",
      "--node-type", "a100",
      "--command", "--",
      "sh", "-c", `echo "lr=$LEARNING_RATE bs=$BATCH_SIZE arg=$1 id=$WHATSNEXT_JOB_ID"`, "sh", "1e-3",
    ]);
    assert.equal(outcome.outputTail, "lr=1e-3 bs=64 arg=1e-3 id=42\n");
    assert.equal(outcome.message, `Run:ai job ${name} Succeeded (exit code 0)`);
    assert.deepEqual(started, [`Run:ai job ${name} (project team-a): sh -c 'echo "lr=$LEARNING_RATE bs=$BATCH_SIZE arg=$1 id=$WHATSNEXT_JOB_ID"' sh 1e-3`]);
    const calls = await world.callsOf("runai");
    assert.ok(calls.some((call) => call.join(" ") === `runai describe job ${name} -p team-a`));
    assert.deepEqual(calls.at(-1), ["runai", "logs", name, "-p", "team-a"]);
  });

  test("reports Failed with the container's exit code", async () => {
    const world = await fakeWorld();
    const { outcome } = await runJob(createRunaiFormatter(settings()), job({ commandTemplate: `sh -c 'echo "env lr=$LR"; exit 4'` }), world.env);
    assert.equal(outcome.success, false);
    assert.equal(outcome.exitCode, 4);
    assert.match(outcome.message, /^Run:ai job wn-42-[0-9a-f]{6} Failed \(exit code 4\)$/);
    assert.equal(outcome.outputTail, "env lr=0.1\n");
  });

  test("a cancel deletes the Run:ai job, which stops it", async () => {
    const world = await fakeWorld();
    const { outcome } = await runJob(createRunaiFormatter(settings()), job({ commandTemplate: "sleep 30" }), world.env, { abortOnStart: true });
    assert.equal(outcome.aborted, true);
    assert.equal(outcome.success, false);
    const calls = await world.callsOf("runai");
    const name = calls[0]![2]!;
    assert.equal(outcome.message, `cancelled; deleted Run:ai job ${name}`);
    assert.deepEqual(calls.at(-1), ["runai", "delete", "job", name, "-p", "team-a"]);
    await eventually(() => existsSync(join(world.stateDir, `runai-${name}.exit`)), "the deleted job to end");
  });

  test("a refused submission fails with runai's error", async () => {
    const world = await fakeWorld();
    const { outcome, started } = await runJob(createRunaiFormatter(settings({ project: "no-such-project" })), job(), world.env);
    assert.equal(outcome.success, false);
    assert.match(outcome.message, /^Run:ai refused the job: runai exited with code 1: Error: project no-such-project not found$/);
    assert.deepEqual(started, []);
  });

  test("keeps polling through statuses that are not an end", async () => {
    const world = await fakeWorld({ FAKE_RUNAI_PENDING_POLLS: "3" });
    const { outcome } = await runJob(createRunaiFormatter(settings()), job({ commandTemplate: "sh -c 'exit 0'" }), world.env);
    assert.equal(outcome.success, true, outcome.message);
    assert.ok((await world.callsOf("runai")).filter((call) => call[1] === "describe").length >= 4);
  });

  test("two parameters that map to one variable fail the job instead of losing one", async () => {
    const world = await fakeWorld();
    const { outcome } = await runJob(createRunaiFormatter(settings()), job({ parameters: { lr: 1, LR: 2 } }), world.env);
    assert.equal(outcome.success, false);
    assert.match(outcome.message, /parameter "LR" and parameter "lr" of job 42 both become the environment variable LR/);
    assert.deepEqual(await world.calls(), []);
  });

  test("maps keys to variable names and statuses to ends", () => {
    assert.equal(runaiEnvironmentName("learning-rate"), "LEARNING_RATE");
    assert.equal(runaiEnvironmentName("1st.value"), "_1ST_VALUE");
    assert.equal(classifyRunaiStatus("Succeeded"), "succeeded");
    assert.equal(classifyRunaiStatus("Failed"), "failed");
    assert.equal(classifyRunaiStatus("Error"), "running");
    assert.equal(classifyRunaiStatus("Pending"), "running");
    assert.deepEqual(parseRunaiDescribe("Name: x\nStatus: Failed\nPods:\n  Exit Code: 137\n"), { status: "Failed", exitCode: 137 });
    assert.deepEqual(parseRunaiDescribe("Name: x\n"), { status: null, exitCode: null });
  });

  test("project and image are required", () => {
    assert.throws(() => createRunaiFormatter({ project: "", image: "i" }), /runai\.project must be a non-empty string/);
    assert.throws(() => createRunaiFormatter({ project: "p" } as unknown as { project: string; image: string }), /runai\.image is required/);
  });
});

describe("createFormatter", () => {
  test("builds the formatter the settings name and refuses an unknown kind", () => {
    assert.equal(createFormatter({ kind: "cli" }).name, "cli");
    assert.equal(createFormatter({ kind: "slurm" }).name, "slurm");
    assert.equal(createFormatter({ kind: "runai", project: "p", image: "i" }).name, "runai");
    assert.throws(() => createFormatter({ kind: "k8s" } as unknown as FormatterSettings), /formatter\.kind must be "cli", "slurm" or "runai", got "k8s"/);
  });
});
