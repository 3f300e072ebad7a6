/**
 * `npm start` (whatsnext serve) as people see it: readable log lines on a
 * terminal (local times, level names, code names), JSON in a pipe or when
 * asked, and a database it cannot reach said in one line, without a stack.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { it } from "node:test";
import { CLI, cliEnvironment, tempFolder } from "./support/run-cli.js";
import { startOnTerminal } from "./support/terminal.js";

const SERVER_ENV = { WHATSNEXT_PORT: "0", WHATSNEXT_DATA_DIR: "memory://", LOG_LEVEL: "info" };

/** A failing call, so the server logs a line with a code. */
async function missingProject(url: string): Promise<void> {
  const res = await fetch(`${url}/whatsnext.v1.ProjectService/GetProject`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"nope"}' });
  assert.equal(res.status, 404);
}

it("on a terminal, log lines are readable: local time, level name, message, fields, code names", { timeout: 120_000 }, async () => {
  const cwd = tempFolder();
  const server = startOnTerminal([process.execPath, CLI, "serve"], { cwd, env: cliEnvironment(cwd, SERVER_ENV) });
  try {
    const [, url] = await server.waitFor(/whatsnext serving +url=(http:\/\/\S+)/);
    await missingProject(url!);
    await server.waitFor(/call failed .*code=not_found/);
    assert.match(server.output, /^\d\d:\d\d:\d\d\.\d{3} (\x1b\[\d+m)?INFO /m);
    assert.doesNotMatch(server.output, /\{"level"/);
  } finally {
    server.kill();
    await server.done;
  }
});

it("in a pipe, and with LOG_FORMAT=json, log lines are JSON", { timeout: 120_000 }, async () => {
  const cwd = tempFolder();
  for (const extra of [{}, { LOG_FORMAT: "json" }] as Array<Record<string, string>>) {
    const child = spawn(process.execPath, [CLI, "serve"], { cwd, env: cliEnvironment(cwd, { ...SERVER_ENV, ...extra }), stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const closed = new Promise((resolve) => child.on("close", resolve));
    try {
      while (!/"msg":"whatsnext serving"/.test(out)) await new Promise((resolve) => child.stdout.once("data", resolve));
      const serving = out.split("\n").find((l) => l.includes('"whatsnext serving"'))!;
      assert.equal((JSON.parse(serving) as { level: number }).level, 30);
    } finally {
      process.kill(-child.pid!, "SIGKILL");
      await closed;
    }
  }
});

it("a database that refuses connections is one line: what, where, what to do; no stack trace", { timeout: 60_000 }, async () => {
  const cwd = tempFolder();
  const server = startOnTerminal([process.execPath, CLI, "serve"], { cwd, env: cliEnvironment(cwd, { ...SERVER_ENV, DATABASE_URL: "postgres://postgres@127.0.0.1:1/whatsnext" }) });
  try {
    const { code, output } = await server.done;
    assert.equal(code, 1);
    assert.equal(output.trim().split("\n").length, 1, output);
    assert.match(output, /could not connect to the database at DATABASE_URL=postgres:\/\/postgres@127\.0\.0\.1:1\/whatsnext: nothing accepts connections at 127\.0\.0\.1:1 .*start PostgreSQL there/);
    assert.doesNotMatch(output, /^\s+at /m);
  } finally {
    server.kill();
  }
});
