/**
 * Runs the Python package's own test suite (python/tests, pytest) as part of
 * `npm test`. The suite starts its own server from this repository and uses
 * DATABASE_URL, when set, for a PostgreSQL database of its own.
 *
 * It needs Debian's Python with grpcio, protobuf and pytest: without them the
 * test is skipped with the reason (a machine with only Node.js), except in CI
 * (CI=true), where it fails instead.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { it } from "node:test";

// Debian's interpreter, where python3-grpcio, python3-protobuf and python3-pytest are installed (not a pyenv shim on PATH).
const PYTHON = "/usr/bin/python3";
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SUITE_TIMEOUT_MS = 30 * 60_000;

const probe = spawnSync(PYTHON, ["-c", "import grpc, google.protobuf, pytest"], { stdio: "pipe" });
const missing =
  probe.error !== undefined || probe.status !== 0
    ? `${PYTHON} cannot import grpc, google.protobuf and pytest (apt-get install -y python3-grpcio python3-protobuf python3-pytest; .ci/run installs them)`
    : "";
const inCi = process.env.CI === "true";
const skip = missing !== "" && !inCi ? missing : false;

it("the Python SDK's pytest suite passes against a real server", { skip, timeout: SUITE_TIMEOUT_MS + 60_000 }, async (t) => {
  if (missing) assert.fail(`${missing}; CI must run the Python SDK's tests`);
  const { code, output } = await runPytest();
  const closing = closingLine(output);
  t.diagnostic(`pytest: ${closing}`);
  assert.equal(code, 0, `pytest failed (${closing}):\n${output.slice(-20_000)}`);
  assert.match(closing, /\d+ passed/);
  assert.doesNotMatch(closing, /failed|error/);
});

/** Runs pytest in a process group of its own, ended as a whole if it overstays. */
function runPytest(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-m", "pytest", "python/tests", "-q", "-rfE", "-p", "no:cacheprovider"], {
      cwd: ROOT,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const timer = setTimeout(() => {
      output += `\n(ended after ${SUITE_TIMEOUT_MS / 60_000} minutes)\n`;
      killGroup(child.pid);
    }, SUITE_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      killGroup(child.pid); // anything of the suite's left behind
      resolve({ code, output });
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

/** pytest's last line: "34 passed in 91.34s", "1 failed, 33 passed in …". */
function closingLine(output: string): string {
  const lines = output.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return lines.reverse().find((line) => /\b(passed|failed|errors?|skipped|deselected|no tests ran)\b/.test(line)) ?? "(pytest printed no summary)";
}
