/**
 * The pure parts of the CLI and worker, without a server: the order in which
 * settings win, batch-file checks, parameter typing, resource accounting and
 * accelerator specs. Fast, so the edge cases live here rather than in the
 * process-level tests.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { resolveClientSettings, DEFAULT_SERVER } from "../src/client/config-file.js";
import { parseServerUrl } from "../src/client/connect.js";
import { parseBatch } from "../src/cli/batch-file.js";
import { collectParam } from "../src/cli/flag-values.js";
import { parseExpiry } from "../src/cli/keys-command.js";
import { resolveAccelerators } from "../src/worker/accelerators.js";
import { ResourcePool } from "../src/worker/resources.js";
import { lastUtf8Bytes as lastBytes } from "../src/utf8-tail.js";
import { formatterSettings, resolveWorkerSettings } from "../src/worker/worker-settings.js";
import { tempFolder } from "./support/run-cli.js";

describe("client settings", () => {
  it("takes each setting from the highest level that has it; a key file at a higher level beats a key below", () => {
    const dir = tempFolder();
    const keyFile = join(dir, "key");
    writeFileSync(keyFile, "from-file\n");
    const s = resolveClientSettings([{ project: "flag" }, { server: "http://env:1", apiKeyFile: keyFile }, { server: "http://file:2", project: "file", apiKey: "from-config" }]);
    assert.deepEqual([s.server, s.project, s.apiKey], ["http://env:1", "flag", "from-file"]);
    assert.equal(resolveClientSettings([{ apiKey: "k", apiKeyFile: keyFile }]).apiKey, "k");
    assert.equal(resolveClientSettings([]).server, DEFAULT_SERVER);
  });

  it("reads bare host:port as http:// and refuses other schemes", () => {
    assert.equal(parseServerUrl("127.0.0.1:7").href, "http://127.0.0.1:7/");
    assert.throws(() => parseServerUrl("grpc://x"), /http:\/\/ or https:\/\//);
    assert.throws(() => parseServerUrl(" "), /must not be empty/);
  });
});

describe("flag values", () => {
  it("types --param values as JSON when they parse, as text otherwise", () => {
    let p = collectParam("lr=0.1", undefined);
    p = collectParam("name=resnet", p);
    p = collectParam("eq=a=b", p);
    p = collectParam('seed="7"', p);
    p = collectParam("empty=", p);
    assert.deepEqual(p, { lr: 0.1, name: "resnet", eq: "a=b", seed: "7", empty: "" });
    assert.throws(() => collectParam("=1", undefined), /key=value/);
  });

  it("reads key expiry as a duration or a date", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    assert.equal(parseExpiry("30d", now).toISOString(), "2030-01-31T00:00:00.000Z");
    assert.equal(parseExpiry("2031-02-03", now).getUTCFullYear(), 2031);
    assert.throws(() => parseExpiry("soon", now), /--expires/);
  });
});

describe("batch files", () => {
  it("expands a grid after the listed jobs, merging default parameters", () => {
    const items = parseBatch({ task: "t", parameters: { e: 1 }, jobs: [{ name: "a" }], grid: { x: [1, 2], y: ["p"] }, grid_depends_on: ["a"], name_template: "{task}-{x}{y}" }, "f");
    assert.deepEqual(items.map((i) => [i.name, i.parameters, i.dependsOnNames]), [
      ["a", { e: 1 }, []],
      ["t-1p", { e: 1, x: 1, y: "p" }, ["a"]],
      ["t-2p", { e: 1, x: 2, y: "p" }, ["a"]],
    ]);
  });

  it("names the item and field at fault", () => {
    assert.throws(() => parseBatch([{ name: "a", task: "t" }, { name: "a", task: "t" }], "f"), /name "a" is used twice/);
    assert.throws(() => parseBatch([{ name: "a" }], "f"), /job 1: task is required/);
    assert.throws(() => parseBatch([{ task: "t", depends_on: ["later"] }, { name: "later", task: "t" }], "f"), /"later" names no earlier job/);
    assert.throws(() => parseBatch([{ task: "t", priority: "high" }], "f"), /priority must be a whole number/);
    assert.throws(() => parseBatch({ grid: { x: [1] } }, "f"), /grid needs a default task/);
    assert.throws(() => parseBatch({ task: "t", grid: { x: [] } }, "f"), /grid.x must be a non-empty list/);
    assert.throws(() => parseBatch({ task: "t", jobz: [] }, "f"), /unknown key jobz/);
    assert.throws(() => parseBatch({ task: "t" }, "f"), /holds no jobs/);
    assert.deepEqual(parseBatch([{ task: "t", depends_on: [5] }], "f")[0]!.dependsOnIds, [5n]);
  });
});

describe("worker resources", () => {
  it("hands out the lowest free devices, never the same device twice, and respects CPUs and slots", () => {
    const pool = new ResourcePool(4, ["0", "1", "2", "3"], 3);
    const a = pool.allocate(1, 2)!;
    const b = pool.allocate(1, 1)!;
    assert.deepEqual([a.accelerators, b.accelerators], [["0", "1"], ["2"]]);
    assert.equal(pool.allocate(1, 2), null, "one device left");
    assert.equal(pool.allocate(3, 0), null, "two CPUs left");
    pool.release(a);
    assert.deepEqual(pool.free(), { cpu: 3, accelerators: 3, slots: 2 });
    const c = pool.allocate(1, 3)!;
    assert.deepEqual(c.accelerators, ["0", "1", "3"]);
    pool.allocate(0, 0);
    assert.equal(pool.allocate(0, 0), null, "three slots");
  });

  it("counts the CPUs a job really holds, and asks for no more jobs than the free CPUs can hold", () => {
    // As under SLURM: at least one CPU per job, even for tasks asking for none.
    const pool = new ResourcePool(2, undefined, 4, (requiredCpu) => Math.max(1, Math.ceil(requiredCpu)));
    assert.deepEqual(pool.free(), { cpu: 2, accelerators: undefined, slots: 2 });
    const a = pool.allocate(0, 0)!;
    assert.equal(a.cpu, 1);
    assert.deepEqual(pool.free(), { cpu: 1, accelerators: undefined, slots: 1 });
    pool.allocate(0, 0);
    assert.deepEqual(pool.free(), { cpu: 0, accelerators: undefined, slots: 0 });
    assert.equal(pool.allocate(0, 0), null, "a third CPU-0 job would wait in the scheduler");
    pool.release(a);
    assert.equal(pool.allocate(2, 0), null, "one CPU free");
    assert.equal(pool.allocate(0.5, 0)!.cpu, 1);
  });

  it("does not track what was not declared", () => {
    const pool = new ResourcePool(undefined, undefined, 2);
    assert.deepEqual(pool.free(), { cpu: undefined, accelerators: undefined, slots: 2 });
    assert.deepEqual(pool.allocate(64, 8), { cpu: 64, accelerators: [] });
  });

  it("reads accelerator specs: a count, ids, auto from CUDA_VISIBLE_DEVICES", async () => {
    assert.deepEqual(await resolveAccelerators("2"), ["0", "1"]);
    assert.deepEqual(await resolveAccelerators("1,3"), ["1", "3"]);
    assert.deepEqual(await resolveAccelerators("auto", { CUDA_VISIBLE_DEVICES: "4,5" }), ["4", "5"]);
    assert.deepEqual(await resolveAccelerators("auto", { PATH: "/nonexistent" }), []);
    await assert.rejects(resolveAccelerators("1,1"), /twice/);
    await assert.rejects(resolveAccelerators("a b"), /count, a comma-separated list/);
  });

  it("defaults CPUs and slots for local runs, and leaves scheduler workers unfiltered", async () => {
    const local = await resolveWorkerSettings({ cpus: "3" }, {}, formatterSettings(undefined, undefined));
    assert.deepEqual([local.cpus, local.acceleratorIds, local.parallel, local.formatter.kind], [3, [], 3, "cli"]);
    const slurm = await resolveWorkerSettings({}, { parallel: 10 }, formatterSettings(undefined, { kind: "slurm", poll_interval_ms: 5 }));
    assert.deepEqual([slurm.cpus, slurm.acceleratorIds, slurm.parallel], [undefined, undefined, 10]);
    assert.equal((slurm.formatter as { pollIntervalMs?: number }).pollIntervalMs, 5);
    await assert.rejects(resolveWorkerSettings({ parallel: "0" }, {}, formatterSettings("cli", undefined)), /parallel must be a whole number from 1/);
    assert.throws(() => formatterSettings("pbs", undefined), /cli, slurm or runai/);
  });

  it("cuts output tails to the byte limit at a character boundary", () => {
    assert.equal(lastBytes("abc", 10), "abc");
    assert.equal(lastBytes("xé", 2), "é");
    assert.equal(lastBytes("xé", 1), "");
  });
});
