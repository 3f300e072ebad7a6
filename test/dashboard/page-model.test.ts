import assert from "node:assert/strict";
import { it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { JobStatus } from "../../gen/whatsnext/v1/common_pb.js";
import { JobSchema, type Job } from "../../gen/whatsnext/v1/job_pb.js";
import { matchesParameters, parseParameterFilter, ParameterFilterError } from "../../dashboard/src/model/parameters.js";
import { localFilter, matchesQuery, queueSearch, readQueueQuery, sortJobs } from "../../dashboard/src/model/queue-query.js";
import { sweepGrid, varyingParameters } from "../../dashboard/src/model/sweep-grid.js";

// The dashboard's pure logic: the sweep grid, the queue's URL query and its filters.

let nextId = 1n;
const job = (parameters: Record<string, number | string>, status = JobStatus.PENDING, extra: { name?: string; priority?: number } = {}): Job =>
  create(JobSchema, { id: nextId++, taskName: "train", name: `j${nextId}`, parameters, status, ...extra });

it("lays a two-parameter sweep out with one parameter per axis, numbers in order, and the failed corner in its cell", () => {
  const jobs = [0.1, 0.01, 0.001].flatMap((lr) => [1, 2].map((seed) => job({ lr, seed, epochs: 10 }, lr === 0.001 && seed === 2 ? JobStatus.FAILED : JobStatus.COMPLETED)));
  const grid = sweepGrid(jobs, { fixed: new Map() });
  assert.deepEqual(grid.varying.map((v) => v.key), ["lr", "seed"], "epochs does not vary; lr has the most values");
  assert.deepEqual(grid.x!.values, [0.001, 0.01, 0.1]);
  assert.deepEqual(grid.y!.values, [1, 2]);
  assert.equal(grid.rows[1]![0]!.status, JobStatus.FAILED);
  assert.equal(grid.rows[1]![0]!.jobs.length, 1);
  assert.equal(grid.hidden, 0);
});

it("folds a third varying parameter into the cells (the most notable status wins) or cuts the grid at a chosen value", () => {
  const jobs = [1, 2].flatMap((a) => [1, 2].flatMap((b) => [1, 2].map((c) => job({ a, b, c }, a === 1 && b === 1 && c === 2 ? JobStatus.FAILED : JobStatus.COMPLETED))));
  const folded = sweepGrid(jobs, { x: "a", y: "b", fixed: new Map() });
  assert.equal(folded.rows[0]![0]!.jobs.length, 2);
  assert.equal(folded.rows[0]![0]!.status, JobStatus.FAILED);
  const cut = sweepGrid(jobs, { x: "a", y: "b", fixed: new Map([["c", "1"]]) });
  assert.equal(cut.rows[0]![0]!.status, JobStatus.COMPLETED);
  assert.equal(cut.hidden, 4);
  const oneAxis = sweepGrid(jobs, { x: "c", y: "", fixed: new Map() });
  assert.equal(oneAxis.y, undefined);
  assert.equal(oneAxis.rows.length, 1);
});

it("leaves jobs without an axis' parameter off the grid, and does not call a parameter varying because some jobs lack it", () => {
  const jobs = [job({ lr: 0.1, warmup: 5 }), job({ lr: 0.2, warmup: 5 }), job({})];
  assert.deepEqual(varyingParameters(jobs).map((v) => v.key), ["lr"]);
  const grid = sweepGrid(jobs, { fixed: new Map() });
  assert.equal(grid.hidden, 1);
  assert.equal(grid.rows[0]!.flatMap((c) => c.jobs).length, 2);
});

it("parses parameter filters and matches values as written", () => {
  assert.deepEqual(parseParameterFilter("lr=0.1, seed=3"), [{ key: "lr", value: "0.1" }, { key: "seed", value: "3" }]);
  assert.throws(() => parseParameterFilter("lr"), (err: unknown) => err instanceof ParameterFilterError && /"lr" must be name=value/.test(err.message));
  assert.ok(matchesParameters({ lr: 0.1, seed: 3 }, parseParameterFilter("lr=0.1 seed=3")));
  assert.ok(matchesParameters({ opt: "adam" }, parseParameterFilter("opt=adam")));
  assert.ok(!matchesParameters({ lr: 0.1 }, parseParameterFilter("lr=0.10 ")), "0.10 is not how 0.1 is written");
  assert.ok(!matchesParameters({}, parseParameterFilter("lr=0.1")));
});

it("keeps the queue's query in the URL and back, and filters and sorts by it", () => {
  const search = new URLSearchParams("status=failed,running&task=train&name=LR&param=seed=2&sort=-updated&page=abc");
  const query = readQueueQuery(search);
  assert.deepEqual(query.statuses, [JobStatus.RUNNING, JobStatus.FAILED]);
  assert.equal(queueSearch(query).toString(), new URLSearchParams("status=running,failed&task=train&name=LR&param=seed=2&sort=-updated&page=abc").toString());
  assert.equal(queueSearch(readQueueQuery(new URLSearchParams("sort=bogus&status=nope"))).toString(), "", "unknown values fall back to the defaults");
  const filter = localFilter(query);
  assert.ok(matchesQuery(job({ seed: 2 }, JobStatus.FAILED, { name: "lr0.1-s2" }), query, filter));
  assert.ok(!matchesQuery(job({ seed: 2 }, JobStatus.PENDING, { name: "lr0.1-s2" }), query, filter), "status");
  assert.ok(!matchesQuery(job({ seed: 1 }, JobStatus.FAILED, { name: "lr0.1-s1" }), query, filter), "parameter");
  assert.ok(!matchesQuery(job({ seed: 2 }, JobStatus.FAILED, { name: "other" }), query, filter), "name");
  const a = job({}, JobStatus.FAILED, { name: "b", priority: 1 });
  const b = job({}, JobStatus.PENDING, { name: "a", priority: 1 });
  assert.deepEqual(sortJobs([a, b], { key: "name", descending: false }).map((j) => j.name), ["a", "b"]);
  assert.deepEqual(sortJobs([a, b], { key: "status", descending: false }).map((j) => j.name), ["a", "b"], "pending before failed");
  assert.deepEqual(sortJobs([b, a], { key: "priority", descending: true }).map((j) => j.id), [b.id, a.id].sort((x, y) => (x > y ? -1 : 1)), "ties by id");
});
