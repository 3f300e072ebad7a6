import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import type { LedgerRecord } from "../chaos/ledger.js";
import { parseChaosArgs, SHORT_RUN } from "../chaos/options.js";
import { leftoverProcesses } from "../chaos/process-groups.js";
import { findPostgresBinaries } from "../chaos/postgres-cluster.js";
import { renderReport } from "../chaos/report-table.js";
import { codeName, isRetryable } from "../chaos/retry-policy.js";
import { runChaos } from "../chaos/run-chaos.js";
import { judge, type StoredStatus } from "../chaos/verdict.js";

/** A ledger of one execution: claim, begin, end and (unless cut) finish, at the given times. */
function run(job: number, w: string, begin: number, end: number | undefined, finished = end !== undefined): LedgerRecord[] {
  const records: LedgerRecord[] = [
    { k: "claim", job, w, t: begin - 1 },
    { k: "begin", job, w, t: begin },
  ];
  if (end !== undefined) records.push({ k: "end", job, w, t: end });
  if (finished && end !== undefined) records.push({ k: "finish", job, w, t: end + 1 });
  return records;
}

const completedAll = (ids: number[]) => new Map<number, StoredStatus>(ids.map((id) => [id, "completed"]));

describe("chaos verdict", () => {
  it("counts a clean run as clean", () => {
    const v = judge([1, 2], completedAll([1, 2]), [{ label: "p0", records: [...run(1, "a", 10, 20), ...run(2, "b", 10, 20)] }]);
    assert.equal(v.completed, 2);
    assert.equal(v.lost.count, 0);
    assert.equal(v.duplicated.count, 0);
    assert.equal(v.clean, true);
  });

  it("does not count a SIGKILLed worker's unfinished execution as work done, and re-running it is not a duplicate", () => {
    const killed = { label: "p0", records: run(1, "a", 10, 20, false), killedAt: 25 };
    const replacement = { label: "p1", records: run(1, "b", 5000, 5010) };
    const v = judge([1], completedAll([1]), [killed, replacement]);
    assert.equal(v.interrupted, 1);
    assert.equal(v.duplicated.count, 0);
    assert.equal(v.clean, true);
  });

  it("counts work done twice, a finish accepted twice, and two workers at once as duplicated", () => {
    const twice = judge([1], completedAll([1]), [{ label: "p0", records: [...run(1, "a", 10, 20, false), ...run(1, "b", 6000, 6010)] }]);
    assert.deepEqual([twice.duplicated.count, twice.duplicated.workedTwice, twice.duplicated.overlapping], [1, 1, 0]);
    const finishedTwice = judge([1], completedAll([1]), [{ label: "p0", records: [...run(1, "a", 10, 20), ...run(1, "b", 6000, 6010)] }]);
    assert.equal(finishedTwice.duplicated.finishedTwice, 1);
    // A killed execution's work ends at the kill: a second worker beginning before that ran it at the same time.
    const atOnce = judge([1], completedAll([1]), [
      { label: "p0", records: run(1, "a", 10, undefined), killedAt: 100 },
      { label: "p1", records: run(1, "b", 50, 60) },
    ]);
    assert.equal(atOnce.duplicated.overlapping, 1);
    assert.equal(atOnce.clean, false);
  });

  it("says which status lost jobs were in and why, and counts QUEUED and RUNNING as stuck", () => {
    const statuses = new Map<number, StoredStatus>([
      [1, "failed"],
      [2, "blocked"],
      [3, "running"],
      [4, "failed"],
    ]);
    const ledger: LedgerRecord[] = [
      { k: "claim", job: 1, w: "a", t: 1 },
      { k: "drop", job: 1, w: "a", t: 2, rpc: "StartJob", code: Code.Internal },
      ...run(3, "a", 10, undefined),
    ];
    const v = judge([1, 2, 3, 4], statuses, [{ label: "p0", records: ledger, killedAt: 50 }]);
    assert.deepEqual(v.lost.byStatus, { FAILED: 2, BLOCKED: 1, RUNNING: 1 });
    assert.deepEqual(v.stuck.byStatus, { RUNNING: 1 });
    assert.deepEqual(v.lost.byCause, {
      "FAILED: given up after StartJob INTERNAL": 1,
      "BLOCKED: a dependency did not complete": 1,
      "RUNNING: held by the SIGKILLed worker": 1,
      "FAILED with no claim in any ledger (a FetchJob answer that never arrived)": 1,
    });
    assert.deepEqual(v.dropped, { "StartJob INTERNAL": 1 });
  });

  it("flags a COMPLETED job no execution worked on", () => {
    const v = judge([1], completedAll([1]), [{ label: "p0", records: [{ k: "claim", job: 1, w: "a", t: 1 }] }]);
    assert.equal(v.completedUnrun, 1);
    assert.equal(v.clean, false);
  });

  it("tables every status code with its count and fails on one a client does not retry", () => {
    const calls: LedgerRecord[] = [
      { k: "call", w: "a", t: 1, rpc: "FetchJob", stack: "grpc-js", code: 0 },
      { k: "call", w: "a", t: 1, rpc: "FetchJob", stack: "grpc-js", code: Code.Unavailable, msg: "down" },
      { k: "call", w: "a", t: 50, rpc: "FinishJob", stack: "connect-node Connect", code: Code.Internal, msg: "internal error (request id x)" },
    ];
    const v = judge([], new Map(), [{ label: "p0", records: calls }], [], [
      { name: "SIGKILL a replica, restart it", from: 10, to: 55 },
      { name: "pg_ctl restart -m fast", from: 40, to: 60 },
    ]);
    assert.deepEqual(
      v.codes.map((c) => [c.name, c.count, c.retryable]),
      [
        ["INTERNAL", 1, false],
        ["OK", 1, true],
        ["UNAVAILABLE", 1, true],
      ],
    );
    assert.equal(v.codes[0]!.example, "internal error (request id x)");
    assert.deepEqual(v.codes[0]!.byFault, { "pg_ctl restart -m fast": 1 });
    assert.deepEqual(v.codes[1]!.byFault, { "no fault": 1 });
    assert.equal(v.clean, false);
  });

  it("retries only codes that say the call may be repeated", () => {
    for (const code of [Code.Unavailable, Code.ResourceExhausted, Code.DeadlineExceeded, Code.Aborted]) assert.equal(isRetryable(code), true, codeName(code));
    for (const code of [Code.Internal, Code.Unknown, Code.FailedPrecondition, Code.InvalidArgument, Code.NotFound, Code.Canceled]) assert.equal(isRetryable(code), false, codeName(code));
    assert.equal(codeName(Code.Canceled), "CANCELLED");
    assert.equal(codeName(Code.ResourceExhausted), "RESOURCE_EXHAUSTED");
  });

  it("refuses unknown flags and impossible sizes, naming them", () => {
    assert.throws(() => parseChaosArgs(["--fast"]), /unknown argument --fast/);
    assert.throws(() => parseChaosArgs(["--jobs", "x"]), /--jobs must be a whole number/);
    assert.throws(() => parseChaosArgs(["--worker-processes=1"]), /worker processes must be at least 2/);
    assert.equal(parseChaosArgs(["--short", "--jobs=50"]).jobs, 50);
    assert.equal(parseChaosArgs([]).jobs, 20_000);
  });
});

const binaries = findPostgresBinaries();
const skip = "missing" in binaries && process.env.CI !== "true" ? `the chaos run needs PostgreSQL server binaries: ${binaries.missing}` : false;

describe("chaos run, short form (npm run chaos -- --short)", { skip }, () => {
  it("drains every job exactly once through a killed worker, a killed replica and two PostgreSQL restarts, seeing only retryable codes", { timeout: 480_000 }, async () => {
    const report = await runChaos(SHORT_RUN, { log: (line) => process.stderr.write(`${line}\n`) });
    const table = renderReport(report);
    process.stderr.write(`${table}\n`);
    assert.deepEqual(report.footprint.folders.filter((f) => existsSync(f)), [], "the run removed its temporary folders");
    assert.ok(report.footprint.processGroups.size >= 6, "replicas, worker processes, pg_ctl and the postmaster were tracked");
    // A process group's last members (a stopped postmaster's backends) may take a moment to exit after their leader.
    assert.deepEqual(await leftoverProcesses(report.footprint.processGroups, 15_000), [], "no process the run started is left running");
    assert.deepEqual(report.problems, [], `every fault was injected and recovered from\n${table}`);
    assert.equal(report.verdict.lost.count, 0, `no job lost\n${table}`);
    assert.equal(report.verdict.duplicated.count, 0, `no job duplicated\n${table}`);
    assert.equal(report.verdict.stuck.count, 0, `no job stuck\n${table}`);
    assert.equal(report.verdict.completedUnrun, 0, `no job completed without its work\n${table}`);
    assert.deepEqual(
      report.verdict.codes.filter((c) => !c.retryable).map((c) => `${c.name} ${c.count}`),
      [],
      `every code the clients saw is one a client retries\n${table}`,
    );
    assert.equal(report.pass, true);
  });
});
