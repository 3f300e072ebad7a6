/**
 * A new user's first hour, through the real `whatsnext` command against a
 * real server: configuration found where people stand, mistakes caught before
 * work runs, and output people can read.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli, tempFolder, type CliResult, ok } from "./support/run-cli.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let t: TestServer;
let env: Record<string, string>;
before(async () => {
  t = await startTestServer();
  env = { WHATSNEXT_SERVER: t.url };
});
after(async () => {
  await t?.close();
});

/** Runs the CLI against the test server (WHATSNEXT_SERVER set) in a fresh folder. */
function wn(args: string[], extraEnv: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return runCli(args, { env: { ...env, ...extraEnv }, cwd });
}

describe("configuration is found where people stand", () => {
  it("searches .whatsnext from the current folder up to the root (no git needed), nearest first, then home", async () => {
    const home = tempFolder();
    const top = join(home, "work", "project");
    const deep = join(top, "runs", "2026", "a");
    mkdirSync(deep, { recursive: true });
    mkdirSync(join(home, "elsewhere"));
    writeFileSync(join(home, "work", ".whatsnext"), `server: ${t.url}\nproject: from-work\n`);
    writeFileSync(join(top, ".whatsnext"), `server: ${t.url}\nproject: from-project\n`);
    await Promise.all(["from-work", "from-project"].map(async (p) => ok(await wn(["projects", "create", p]), p)));
    const show = (cwd: string) => runCli(["projects", "show", "--json"], { cwd, env: { HOME: join(home, "elsewhere") } });
    const [fromDeep, fromWork] = await Promise.all([show(deep), show(join(home, "work"))]);
    assert.equal(ok(fromDeep, "from a subfolder").json<{ name: string }>().name, "from-project");
    assert.equal(ok(fromWork, "from the folder above").json<{ name: string }>().name, "from-work");
  });
});
