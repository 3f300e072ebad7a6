import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import pg from "pg";
import { toPositional, type SqlExecutor } from "../src/db/executor.js";
import { markDependedOn } from "../src/db/statements/dependencies/mark-depended-on.js";
import { releaseDependents } from "../src/db/statements/dependencies/release-dependents.js";
import { claimJobs } from "../src/db/statements/jobs/claim-jobs.js";
import { finishJobs } from "../src/db/statements/jobs/finish-jobs.js";
import { insertJobs } from "../src/db/statements/jobs/insert-jobs.js";
import { reapExpiredLeases } from "../src/db/statements/jobs/reap-expired-leases.js";
import { startJobs } from "../src/db/statements/jobs/start-jobs.js";
import { extendLeases } from "../src/db/statements/workers/extend-leases.js";
import { metricValue } from "./support/metrics.js";
import { queueFixture } from "./support/queue-fixtures.js";
import { until } from "./support/until.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/**
 * The plan cliff: statistics taken while the queue held 1,000 jobs, then the
 * queue grows 300-fold and nobody runs ANALYZE (autovacuum off, or not yet
 * run). A plan chosen on the old statistics that scans or sorts the job table
 * turns a millisecond claim into hundreds. Every hot statement is explained
 * here as PostgreSQL runs it from the pool, both as a custom plan and as the
 * generic plan a prepared statement settles on after a few executions, and
 * must reach jobs through indexes only: no sequential scan of a job table, no
 * sort fed by one. And it must settle on that generic plan: a statement
 * PostgreSQL plans again on every call pays its planning (a large share of a
 * short statement) each time.
 */
const onPostgres = Boolean(process.env.DATABASE_URL);
let t: TestServer;
before(async () => {
  if (onPostgres) t = await startTestServer();
});
after(async () => {
  await t?.close();
});

/** Runs statements for real and remembers their text and parameters. */
class RecordingExecutor implements SqlExecutor {
  readonly statements: Array<{ label: string; text: string; params: readonly unknown[] }> = [];
  label = "";
  constructor(private readonly inner: SqlExecutor) {}
  query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    this.statements.push({ label: this.label, text: toPositional(sql), params });
    return this.inner.query<R>(sql, params);
  }
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  Plans?: PlanNode[];
}

const BIG_TABLES = new Set(["job", "job_dependency", "job_attempt"]);

/**
 * The faults of a plan: a sequential scan of a big table, and a sort fed by a
 * bitmap scan of one with no limit in between (it sorts the whole match). A
 * sort above a Limit, or over rows reached one by one through an index by id,
 * sorts the few rows a statement handles and is fine.
 */
function faults(node: PlanNode, inSort = false, path = ""): string[] {
  const here = `${path}/${node["Node Type"]}${node["Relation Name"] ? `(${node["Relation Name"]})` : ""}`;
  const out: string[] = [];
  const big = node["Relation Name"] !== undefined && BIG_TABLES.has(node["Relation Name"]);
  if (big && node["Node Type"] === "Seq Scan") out.push(`sequential scan: ${here}`);
  if (big && inSort && node["Node Type"] === "Bitmap Heap Scan") out.push(`sort fed by a bitmap scan of ${node["Relation Name"]}: ${here}`);
  // A Limit bounds what is sorted above it; an Aggregate runs per outer row (a subquery over one job's edges).
  const sorting = node["Node Type"] === "Limit" || node["Node Type"] === "Aggregate" ? false : inSort || node["Node Type"] === "Sort" || node["Node Type"] === "Incremental Sort";
  for (const child of node.Plans ?? []) out.push(...faults(child, sorting, here));
  return out;
}

it(
  "keeps every hot statement on its indexes after the queue grew 300-fold since the last ANALYZE, as a custom and as a generic plan",
  { skip: !onPostgres && "needs PostgreSQL (DATABASE_URL): the plan cliff is PostgreSQL's planner on stale statistics", timeout: 300_000 },
  async () => {
    const f = await queueFixture(t, "grpc-js", "cliff", { run: {}, big: { cpu: 4 } });
    const db = t.server.app.db.sql;
    const projectId = Number(f.project.id);
    const taskId = Number(f.taskIds.run);
    const fill = (n: number, status: string) =>
      db.query(`insert into job (project_id, task_id, name, parameters, priority, status, finished_at) select ?, ?, 'j' || g, '{}', g % 3, ?, case when ? = 'completed' then now() end from generate_series(1, ?) g`, [
        projectId,
        taskId,
        status,
        status,
        n,
      ]);
    // Statistics of a small queue: 1,000 pending, 500 completed.
    await fill(1000, "pending");
    await fill(500, "completed");
    await db.query("analyze job");
    await db.query("analyze job_dependency");
    await db.query("analyze job_attempt");
    // The queue grows with no ANALYZE after it: jobs, their attempts and their dependencies.
    await fill(200_000, "pending");
    await fill(100_000, "completed");
    await db.query(`insert into job_attempt (job_id, number, worker_id, outcome) select id, 1, 'gone', 'completed' from job where status = 'completed'`);
    await db.query(`update job set runs = 1 where status = 'completed'`);
    await db.query(
      `insert into job_dependency (job_id, depends_on_id) select p.id, c.id from (select id, row_number() over (order by id) as n from job where status = 'pending' and id % 2 = 0 limit 100000) p
       join (select id, row_number() over (order by id) as n from job where status = 'completed' limit 100000) c on c.n = p.n`,
    );

    const workerId = await f.registerWorker();
    const actor = { workerId, principal: null };
    const recorder = new RecordingExecutor(db);
    // Run the hot statements once for real (in a transaction that is rolled back), recording them.
    await db
      .transaction(async (tx) => {
        const rec = new RecordingExecutor(tx);
        const base = { workerId, principal: null, project: { id: projectId }, availableCpu: null, availableAccelerators: null, availableSeconds: null, leaseSeconds: 60 };
        rec.label = "claim one";
        const one = await claimJobs(rec, { ...base, maxJobs: 1 });
        rec.label = "claim ten with resources and walltime";
        const ten = await claimJobs(rec, { ...base, maxJobs: 10, availableCpu: 8, availableAccelerators: 0, availableSeconds: 600 });
        rec.label = "claim by project name into RUNNING";
        await claimJobs(rec, { ...base, project: { name: f.project.name }, maxJobs: 100, start: true });
        const ids = [...one.jobs, ...ten.jobs].map((j) => j.id);
        rec.label = "start";
        await startJobs(rec, actor, ids.slice(0, 3).map((jobId) => ({ jobId, command: "x", acceleratorIds: [] })), 60);
        rec.label = "heartbeat";
        await extendLeases(rec, actor, 60, ids);
        rec.label = "finish jobs nobody depends on";
        await finishJobs(rec, actor, ids.slice(0, 5).map((jobId) => ({ jobId, success: true, exitCode: 0, message: "", outputTail: "" })), 5, { onlyWithoutDependents: true });
        rec.label = "finish";
        await finishJobs(rec, actor, ids.slice(5).map((jobId) => ({ jobId, success: true, exitCode: 0, message: "", outputTail: "" })), 5, { onlyWithoutDependents: false });
        rec.label = "mark depended on";
        await markDependedOn(rec, { projectId }, ids.slice(0, 3));
        rec.label = "release dependents";
        await releaseDependents(rec, ids);
        rec.label = "reap";
        await reapExpiredLeases(rec, 3);
        rec.label = "create";
        await insertJobs(rec, projectId, [{ id: null, taskId, taskName: null, name: "n", parameters: {}, priority: 0, status: "pending", maxAttempts: 1, unmetDependencies: 0, idempotencyKey: null, sweepId: null, paramsHash: null, expectedSeconds: null }], true);
        recorder.statements.push(...rec.statements);
        throw new RollBack();
      })
      .catch((err: unknown) => {
        if (!(err instanceof RollBack)) throw err;
      });
    assert.ok(recorder.statements.length >= 8, `recorded ${recorder.statements.length} statements`);

    const client = new pg.Client({ connectionString: t.databaseUrl });
    await client.connect();
    const problems: string[] = [];
    try {
      for (const mode of ["force_custom_plan", "force_generic_plan"]) {
        await client.query(`set plan_cache_mode = ${mode}`);
        for (const [i, s] of recorder.statements.entries()) {
          await client.query("begin");
          try {
            await client.query({ text: `prepare cliff_${i} as ${s.text}` });
            const values = s.params.map((p) => (p === null || p === undefined ? "null" : pgLiteral(p)));
            const res = await client.query<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(`explain (format json) execute cliff_${i}${values.length ? `(${values.join(", ")})` : ""}`);
            for (const fault of faults(res.rows[0]!["QUERY PLAN"][0]!.Plan)) problems.push(`${s.label} (${mode}): ${fault}`);
          } finally {
            await client.query("rollback");
            await client.query(`deallocate cliff_${i}`).catch(() => undefined);
          }
        }
      }
      // Each hot statement settles on its generic plan (as a prepared statement, after the
      // five custom plans PostgreSQL tries first), rather than being planned again on every call.
      await client.query("set plan_cache_mode = auto");
      for (const [i, s] of recorder.statements.entries()) {
        await client.query("begin");
        try {
          await client.query({ text: `prepare settle_${i} as ${s.text}` });
          const values = s.params.map((p) => (p === null || p === undefined ? "null" : pgLiteral(p)));
          for (let n = 0; n < 7; n++) await client.query(`execute settle_${i}${values.length ? `(${values.join(", ")})` : ""}`);
          const [plans] = (await client.query<{ generic_plans: number }>(`select generic_plans::int from pg_prepared_statements where name = $1`, [`settle_${i}`])).rows;
          if (!plans || plans.generic_plans === 0) problems.push(`${s.label}: planned again on every call (no generic plan after 7 calls)`);
        } finally {
          await client.query("rollback");
          await client.query(`deallocate settle_${i}`).catch(() => undefined);
        }
      }
    } finally {
      await client.end();
    }
    assert.deepEqual(problems, [], "plans that scan or sort a job table, or that are made again on every call");
  },
);

it(
  "plans afresh after an ANALYZE: a connection that planned on a small queue plans every claim again after it grew, so the server replaces its connections",
  { skip: !onPostgres && "needs PostgreSQL (DATABASE_URL): the plan cache is PostgreSQL's", timeout: 300_000 },
  async () => {
    const db = t.server.app.db.sql;
    // A queue of its own, analysed while small (the cliff test's jobs go).
    await db.query("truncate job cascade");
    const f = await queueFixture(t, "grpc-js", "replan", { run: {} });
    const projectId = Number(f.project.id);
    const taskId = Number(f.taskIds.run);
    const fill = (n: number) => db.query(`insert into job (project_id, task_id, name, parameters) select ?, ?, 'j' || g, '{}' from generate_series(1, ?) g`, [projectId, taskId, n]);
    const workerId = await f.registerWorker();
    const claimOne = () => f.workers.fetchJob({ workerId, project: { case: "projectId", value: f.project.id }, maxJobs: 1 });
    const claim = new RecordingExecutor(db);
    await claimJobs(claim, { workerId, principal: null, project: { id: projectId }, availableCpu: null, availableAccelerators: null, availableSeconds: null, maxJobs: 1, leaseSeconds: 60 });
    const { text, params } = claim.statements[0]!;
    const replans = async () => (await metricValue(t.url, "whatsnext_statistics_replans_total")) ?? assert.fail("no whatsnext_statistics_replans_total in /metrics");
    const poolPids = async () =>
      new Set((await db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and application_name = 'whatsnext'`)).map((r) => r.pid));

    await fill(1000);
    await db.query("analyze job");
    // A connection with the claim prepared and run on the small queue, as a replica's would be.
    const history = new pg.Client({ connectionString: t.databaseUrl });
    await history.connect();
    try {
      await history.query({ text: `prepare claim as ${text}` });
      const values = params.map((p) => (p === null || p === undefined ? "null" : pgLiteral(p))).join(", ");
      const plans = async (calls: number) => {
        for (let n = 0; n < calls; n++) await history.query(`execute claim(${values})`);
        const [row] = (await history.query<{ generic: number; custom: number }>(`select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where name = 'claim'`)).rows;
        return row!;
      };
      const small = await plans(20);
      assert.ok(small.generic >= 15, `settled on the generic plan on the small queue: ${JSON.stringify(small)}`);

      for (let i = 0; i < 5; i++) await claimOne();
      const before = await replans();
      await fill(300_000);
      await db.query("analyze job");
      // Why: the generic plan now costs more than the average of the custom plans made on the small
      // queue, so PostgreSQL plans every call of that connection again (for thousands of calls).
      const grown = await plans(20);
      assert.deepEqual([grown.generic, grown.custom - small.custom], [small.generic, 20], "the connection with history plans each call again");

      // The server notices the ANALYZE and opens new connections: none of those before is used again.
      const old = await poolPids();
      await until("the server to notice the ANALYZE", async () => (await replans()) > before, 30_000);
      for (let i = 0; i < 5; i++) assert.equal((await claimOne()).jobs.length, 1);
      // A closed connection's backend leaves pg_stat_activity a moment after the close.
      const now = await until("the connections of before the ANALYZE to be closed", async () => {
        const pids = await poolPids();
        return [...pids].some((pid) => old.has(pid)) ? undefined : pids;
      }, 10_000);
      assert.ok(now.size >= 1, "the server claims on a new connection");

      // A new connection weighs the claim on today's statistics alone and settles on its generic plan.
      const fresh = new pg.Client({ connectionString: t.databaseUrl });
      await fresh.connect();
      try {
        await fresh.query({ text: `prepare claim as ${text}` });
        for (let n = 0; n < 20; n++) await fresh.query(`execute claim(${values})`);
        const [row] = (await fresh.query<{ generic: number }>(`select generic_plans::int as generic from pg_prepared_statements where name = 'claim'`)).rows;
        assert.ok(row!.generic >= 15, `a fresh connection uses the generic plan: ${JSON.stringify(row)}`);
      } finally {
        await fresh.end();
      }
    } finally {
      await history.end();
    }
  },
);

class RollBack extends Error {}

/** A parameter as a SQL literal for EXECUTE (arrays as array literals, objects as JSON text). */
function pgLiteral(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map((v) => (v === null ? "NULL" : typeof v === "string" ? `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"` : String(v)));
    return `'{${items.join(",").replace(/'/g, "''")}}'`;
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof Date) return `'${value.toISOString()}'`;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `'${text.replace(/'/g, "''")}'`;
}
