/**
 * With keys on, reflection without credentials describes the public Health
 * service only, so the README's `buf curl …/grpc.health.v1.Health/Check`
 * works without a key; everything else stays hidden, and a wrong key is
 * still refused.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { after, before, it } from "node:test";
import { closeHelperSessions, servedServices } from "./security/security-fixture.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const key = randomBytes(16).toString("hex");
let t: TestServer;
before(async () => {
  t = await startTestServer({ WHATSNEXT_API_KEYS: key });
});
after(async () => {
  closeHelperSessions();
  await t?.close();
});

it("lists only Health to a caller without credentials, everything to a key, and refuses a wrong key", async () => {
  assert.deepEqual(await servedServices(t.url, {}), ["grpc.health.v1.Health"]);
  const all = await servedServices(t.url, { authorization: `Bearer ${key}` });
  assert.ok(all.includes("whatsnext.v1.ProjectService") && all.includes("grpc.health.v1.Health"));
  await assert.rejects(servedServices(t.url, { authorization: "Bearer wrong" }), /invalid credentials/);
});

it("the README's Health example (buf curl, no key) works with keys on; other methods are not described", async () => {
  const bufCurl = (...args: string[]) => promisify(execFile)("npx", ["buf", "curl", "--http2-prior-knowledge", ...args], { cwd: ROOT, encoding: "utf8" });
  const { stdout } = await bufCurl(`${t.url}/grpc.health.v1.Health/Check`);
  assert.match(stdout, /"status": "SERVING"/);
  await assert.rejects(bufCurl("-d", "{}", `${t.url}/whatsnext.v1.ProjectService/ListProjects`), /ProjectService/);
});
