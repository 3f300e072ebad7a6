/**
 * docker-compose.yml is safe to run as it is: no well-known admin key, no
 * database on the host's port, an image built once instead of `npm ci` into
 * the clone at every start; and the commands in its comments work against a
 * server with keys on (run here against a test server, port changed).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { CLI, cliEnvironment, tempFolder } from "./support/run-cli.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const text = readFileSync(join(ROOT, "docker-compose.yml"), "utf8");

interface Service {
  image?: string;
  build?: unknown;
  ports?: string[];
  volumes?: string[];
  command?: string;
  environment?: Record<string, string>;
}

it("has no default admin key, keeps PostgreSQL off the host's ports, and runs a built image", () => {
  const compose = parseYaml(text) as { services: Record<string, Service> };
  const server = compose.services.whatsnext!;
  const postgres = compose.services.postgres!;
  assert.match(server.environment!.WHATSNEXT_API_KEYS!, /^\$\{WHATSNEXT_API_KEYS:\?[^}]+\}$/, "compose refuses to start without a key");
  assert.equal(postgres.ports, undefined, "PostgreSQL is not published on the host");
  assert.ok(server.build, "the server is built from the Dockerfile");
  assert.equal(server.volumes, undefined, "the clone is not mounted into the container");
  assert.doesNotMatch(server.command ?? "", /npm ci/);
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  assert.match(dockerfile, /^RUN npm ci/m);
  assert.match(readFileSync(join(ROOT, ".dockerignore"), "utf8"), /^node_modules$/m);
});

let t: TestServer;
const key = randomBytes(16).toString("hex");
before(async () => {
  t = await startTestServer({ WHATSNEXT_API_KEYS: key });
});
after(async () => {
  await t?.close();
});

it("the commands in its comments work with keys on", async () => {
  const lines = text.split("\n").filter((l) => l.startsWith("#   ")).map((l) => l.slice(4));
  const commands = lines.join("\n").replace(/\\\n\s*/g, "").split("\n").filter((c) => !/^(export|docker) /.test(c));
  assert.ok(commands.some((c) => c.includes("--reflect-header")), "buf curl with keys on needs --reflect-header");
  const clone = tempFolder("wn-compose-");
  symlinkSync(join(ROOT, "node_modules"), join(clone, "node_modules"));
  mkdirSync(join(clone, ".bin"));
  symlinkSync(CLI, join(clone, ".bin", "whatsnext"));
  const port = new URL(t.url).port;
  for (const command of commands) {
    // Asynchronously: the server answering it runs in this process.
    await promisify(execFile)("bash", ["-c", `set -eo pipefail\n${command.replaceAll("127.0.0.1:50051", `127.0.0.1:${port}`)}`], {
      cwd: clone,
      env: cliEnvironment(clone, { WHATSNEXT_API_KEYS: key, WHATSNEXT_SERVER: t.url, PATH: `${join(clone, ".bin")}:${process.env.PATH}` }),
      encoding: "utf8",
      timeout: 60_000,
    }).catch((err: { stdout?: string; stderr?: string }) => assert.fail(`${command}\n${err.stdout}\n${err.stderr}`));
  }
});
