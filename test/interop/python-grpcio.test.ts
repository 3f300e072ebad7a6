import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, it } from "node:test";
import { startTestServer, type TestServer } from "../support/test-server.js";

const execFileP = promisify(execFile);
// Debian's interpreter, where python3-grpcio and python3-protobuf are installed (not a pyenv shim on PATH).
const PYTHON = "/usr/bin/python3";
const CLIENT = fileURLToPath(new URL("./python_client.py", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const probe = spawnSync(PYTHON, ["-c", "import grpc, google.protobuf"], { stdio: "pipe" });
const skip = probe.status === 0 ? false : `${PYTHON} cannot import grpc and google.protobuf (apt-get install -y python3-grpcio python3-protobuf; .ci/run installs them)`;

let t: TestServer;
let dir = "";
let image = "";
before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "wn-python-"));
  image = join(dir, "image.binpb");
  await execFileP(join(ROOT, "node_modules/.bin/buf"), ["build", "-o", image], { cwd: ROOT });
  t = await startTestServer();
});
after(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface PythonReport {
  grpcio: string;
  created: { project: { id: string; name: string; description: string; status: string } };
  listed: string[];
  pages: number;
  duplicate: { code: string; details?: string };
  huge_page: { code: string; details?: string };
  health: { status: string };
  health_unknown: { code: string };
  watch_first: { status: string };
}

it("a Python grpcio client built from the buf image creates, pages and checks health", { skip, timeout: 120_000 }, async () => {
  const target = t.url.replace(/^http:\/\//, "");
  const { stdout } = await execFileP(PYTHON, [CLIENT, target, image, "from-python"], { timeout: 60_000 });
  const report = JSON.parse(stdout) as PythonReport;
  assert.equal(report.created.project.name, "from-python");
  assert.equal(report.created.project.description, "made from Python");
  assert.equal(report.created.project.status, "PROJECT_STATUS_ACTIVE");
  assert.match(report.created.project.id, /^\d+$/, "int64 ids arrive as JSON strings");
  assert.deepEqual(report.listed, ["from-python", "from-python-0", "from-python-1", "from-python-2"]);
  assert.equal(report.pages, 2);
  assert.equal(report.duplicate.code, "ALREADY_EXISTS");
  assert.match(report.duplicate.details ?? "", /from-python/);
  assert.equal(report.huge_page.code, "INVALID_ARGUMENT");
  assert.match(report.huge_page.details ?? "", /page_size must be between 1 and 1000, got 100000/);
  assert.equal(report.health.status, "SERVING");
  assert.equal(report.health_unknown.code, "NOT_FOUND");
  assert.equal(report.watch_first.status, "SERVING");
});
