import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import pg from "pg";
import { parseBenchArgs } from "../bench/options.js";
import { Results } from "../bench/results.js";
import { percentile, summarize } from "../bench/stats.js";
import { advantage, renderTable } from "../bench/table.js";

const run = promisify(execFile);
const DATABASE_URL = process.env.DATABASE_URL ?? "";

describe("bench arithmetic", () => {
  it("takes the median and range of repetitions, and nearest-rank percentiles", () => {
    assert.deepEqual(summarize([3, 1, 2]), { median: 2, min: 1, max: 3, samples: [1, 2, 3] });
    assert.equal(summarize([4, 1, 3, 2]).median, 2.5);
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(samples, 0.5), 50);
    assert.equal(percentile(samples, 0.99), 99);
    assert.equal(percentile([7], 0.99), 7);
  });

  it("reads the ratio as WhatsNext's advantage whichever way a row counts", () => {
    const throughput = { key: "x", label: "x", unit: "jobs/s", better: "higher", decimals: 0 } as const;
    const latency = { key: "y", label: "y", unit: "ms", better: "lower", decimals: 2 } as const;
    assert.equal(advantage(throughput, [200], [100]), 2);
    assert.equal(advantage(latency, [1], [4]), 4);
    assert.equal(advantage(latency, [4], [1]), 0.25);
  });

  it("renders a row per workload with every system and both ratios", () => {
    const results = new Results();
    const row = { key: "a1", label: "(a) CreateJob, 1 client", unit: "jobs/s", better: "higher", decimals: 0 } as const;
    for (const [system, values] of [["whatsnext", [300, 310, 290]], ["pg-boss", [100, 90, 110]], ["graphile-worker", [150, 140, 160]]] as const) {
      for (const v of values) results.add(row, system, v);
    }
    const table = renderTable(results, ["whatsnext", "pg-boss", "graphile-worker"]);
    const [header, , line] = table.split("\n");
    assert.match(header!, /WhatsNext .*pg-boss .*graphile-worker .*WhatsNext vs pg-boss .*WhatsNext vs graphile-worker/);
    assert.match(line!, /300 \(290–310\) .*100 \(90–110\) .*150 \(140–160\) .*3\.00× ahead .*2\.00× ahead/);
  });

  it("refuses unknown flags and systems, naming them", () => {
    assert.throws(() => parseBenchArgs(["--fast"]), /unknown argument --fast/);
    assert.throws(() => parseBenchArgs(["--systems=bullmq"]), /bullmq is not one of/);
    const quick = parseBenchArgs(["--quick"]);
    assert.equal(quick.reps, 1);
    assert.ok(quick.drainJobs < parseBenchArgs([]).drainJobs);
  });
});

describe("npm run bench -- --quick", { skip: DATABASE_URL ? false : "the bench needs PostgreSQL: set DATABASE_URL to run it" }, () => {
  async function benchDatabases(): Promise<string[]> {
    const c = new pg.Client({ connectionString: DATABASE_URL });
    await c.connect();
    try {
      const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where datname like 'wn_bench_%'`);
      return rows.map((r) => r.datname).sort();
    } finally {
      await c.end();
    }
  }

  it("runs every workload for every system, prints one complete table, and drops its databases", { timeout: 600_000 }, async () => {
    const before = await benchDatabases();
    const { stdout } = await run("npm", ["run", "--silent", "bench", "--", "--quick"], { env: process.env, maxBuffer: 16 * 1024 * 1024 });
    const lines = stdout.split("\n");
    const header = lines.find((l) => l.startsWith("| Workload"));
    assert.ok(header, `no table in:\n${stdout}`);
    assert.match(header, /WhatsNext .*pg-boss .*graphile-worker .*WhatsNext vs pg-boss .*WhatsNext vs graphile-worker/);
    const rows = lines.filter((l) => /^\| \([a-f]\)/.test(l));
    const expected = [
      /\(a\) CreateJob, 1 client/,
      /\(a\) CreateJob, 16 clients/,
      /\(b\) BatchCreateJobs/,
      /\(c\) end to end.*one job at a time \[/,
      /\(c\) end to end.*batches of 100 \[/,
      /\(c\) end to end.*one job at a time, WhatsNext by unary calls/,
      /\(c\) end to end.*batches of 100, WhatsNext by unary calls/,
      /\(d\) claim one job.*1,000 pending/,
      /\(d\) claim one job by a worker with 10 minutes left.*1,000 pending/,
      /\(d\) claim one job.*10,000 pending/,
      /\(d\) claim one job by a worker with 10 minutes left.*10,000 pending/,
      /\(d\) claim latency ratio 10,000 : 1,000 pending \[/,
      /\(d\) claim latency ratio 10,000 : 1,000 pending, 10 minutes left/,
      /\(d\) claim one job, 10,000 pending, statistics of 1,000 \(no ANALYZE\)/,
      /\(d\) claim latency ratio 10,000 : 1,000 pending, no ANALYZE/,
      /\(e\) pickup latency at 50 jobs\/s for 1 s, p50/,
      /\(e\) pickup latency at 50 jobs\/s for 1 s, p99/,
      /\(e\) pickup latency at 500 jobs\/s for 1 s, p50/,
      /\(e\) pickup latency at 500 jobs\/s for 1 s, p99/,
      /\(e\) pickup latency at 50 jobs\/s for 1 s, WhatsNext by unary calls, p50/,
      /\(e\) pickup latency at 50 jobs\/s for 1 s, WhatsNext by unary calls, p99/,
      /\(e\) pickup latency at 500 jobs\/s for 1 s, WhatsNext by unary calls, p50/,
      /\(e\) pickup latency at 500 jobs\/s for 1 s, WhatsNext by unary calls, p99/,
      /\(f\) peak RSS/,
    ];
    assert.equal(rows.length, expected.length, `rows:\n${rows.join("\n")}`);
    expected.forEach((re, i) => assert.match(rows[i]!, re));
    for (const row of rows) {
      const cells = row.split("|").slice(2, -1).map((c) => c.trim());
      assert.equal(cells.length, 5, row);
      // Rows of WhatsNext's unary calls and of its walltime filter have its figure alone; every other row compares all three.
      const whatsNextOnly = /WhatsNext by unary calls|10 minutes left/.test(row);
      for (const [i, figure] of cells.slice(0, 3).entries()) assert.match(figure, whatsNextOnly && i > 0 ? /^—$/ : /^[\d,]+(\.\d+)?$/, `not a figure in: ${row}`);
      for (const ratio of cells.slice(3)) assert.match(ratio, whatsNextOnly ? /^—$/ : /^[\d.]+× (ahead|behind)$/, `not a ratio in: ${row}`);
    }
    assert.match(stdout, /bulk-loaded with SQL/);
    assert.deepEqual(await benchDatabases(), before);
  });
});
