/**
 * The README's lines for other languages work: the buf template
 * examples/buf.gen.other-languages.yaml generates Go, Python, Java and C#
 * from proto/ with Debian's plugins, each in the package its options name.
 * Skipped outside CI when a plugin is missing; .ci/run installs them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "node:test";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const tools = ["protoc", "protoc-gen-go", "protoc-gen-go-grpc", "grpc_python_plugin", "grpc_java_plugin"];
const missing = tools.filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
const why = missing.length > 0 ? `needs ${missing.join(", ")} (.ci/run installs them)` : "";
const skip = why !== "" && process.env.CI !== "true" ? why : false;

it("generates Go, Python, Java and C# from proto/ with the README's buf template", { skip, timeout: 120_000 }, async () => {
  if (why) assert.fail(`${why}; CI must check the other languages' generation`);
  const out = await mkdtemp(join(tmpdir(), "wn-languages-"));
  try {
    const buf = spawnSync(join(ROOT, "node_modules/.bin/buf"), ["generate", "--template", "examples/buf.gen.other-languages.yaml", "-o", out], { cwd: ROOT, encoding: "utf8" });
    assert.equal(buf.status, 0, `buf generate failed: ${buf.stderr}`);
    for (const file of [
      "go/whatsnext/v1/worker.pb.go",
      "go/whatsnext/v1/worker_grpc.pb.go",
      "python/whatsnext/v1/worker_pb2.py",
      "python/whatsnext/v1/worker_pb2_grpc.py",
      "java/dev/whatsnext/v1/FinishOutcome.java",
      "java/dev/whatsnext/v1/WorkerServiceGrpc.java",
      "csharp/Worker.cs",
    ]) {
      assert.ok(existsSync(join(out, file)), `${file} generated`);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
