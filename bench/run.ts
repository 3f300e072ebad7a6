/**
 * `npm run bench`: WhatsNext side by side with pg-boss and graphile-worker on
 * the PostgreSQL of DATABASE_URL, each on a fresh database of its own, in one
 * run. Prints one table (stdout) and progress (stderr). See docs/bench.md.
 */
import os from "node:os";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { spawnChildRpc, type ChildRpc } from "./child-rpc.js";
import { createBenchDatabase, type BenchDatabase } from "./databases.js";
import { createGraphileProducer } from "./graphile-worker.js";
import { parseBenchArgs, type BenchOptions, type WorkloadName } from "./options.js";
import { createPgBossProducer } from "./pg-boss.js";
import type { ConsumerTarget, Producer } from "./queue-system.js";
import { Results, type RowSpec } from "./results.js";
import { renderTable } from "./table.js";
import { DEFAULT_STACK } from "./whatsnext-client.js";
import { startBenchServer, type BenchServer } from "./whatsnext-server.js";
import { createBenchProject, createWhatsNextProducer } from "./whatsnext.js";
import { batchCreates, claimLatency, drains, pickupLatency, singleCreates, type BenchContext, type SystemUnderTest } from "./workloads.js";

/** Tear-downs of runs in progress, for a bench stopped with Ctrl-C: no database or child process is left behind. */
const tearDowns = new Set<() => Promise<void>>();

const WORKLOAD_RUNNERS: Record<WorkloadName, (ctx: BenchContext) => Promise<void>> = {
  a: singleCreates,
  b: batchCreates,
  c: drains,
  d: claimLatency,
  e: pickupLatency,
};

/** What one run produced: the table and the lines under it. */
export interface BenchReport {
  readonly table: string;
  readonly notes: readonly string[];
  readonly results: Results;
}

/**
 * Runs every selected workload for every selected system, repetitions
 * interleaved (rep 1 of each system, then rep 2, …) so that drift on the
 * machine falls on all of them alike, and tears everything down.
 */
export async function runBench(options: BenchOptions, databaseUrl: string, log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<BenchReport> {
  const started = performance.now();
  const results = new Results();
  const notes: string[] = [];
  const databases: BenchDatabase[] = [];
  const producers: Producer[] = [];
  const workers: ChildRpc[] = [];
  let server: BenchServer | undefined;
  const tearDown = async () => {
    for (const p of producers.splice(0)) await p.close().catch((err: unknown) => log(`close: ${String(err)}`));
    for (const w of workers.splice(0)) await w.stop();
    await server?.stop();
    for (const db of databases.splice(0)) await db.drop().catch((err: unknown) => log(`drop ${db.name}: ${String(err)}`));
  };
  tearDowns.add(tearDown);
  try {
    const systems: SystemUnderTest[] = [];
    for (const name of options.systems) {
      const db = await createBenchDatabase(databaseUrl, name.replace(/-/g, "_"));
      databases.push(db);
      let producer: Producer;
      let target: ConsumerTarget;
      switch (name) {
        case "whatsnext": {
          server = await startBenchServer(db.url, options.cpuProfileDir);
          const project = await createBenchProject(server.url);
          producer = await createWhatsNextProducer(server.url, db.url, project, options.concurrentClients);
          target = { system: name, databaseUrl: db.url, serverUrl: server.url, projectId: String(project.projectId) };
          break;
        }
        case "pg-boss":
          producer = await createPgBossProducer(db.url, options.concurrentClients);
          target = { system: name, databaseUrl: db.url };
          break;
        case "graphile-worker":
          producer = await createGraphileProducer(db.url, options.concurrentClients);
          target = { system: name, databaseUrl: db.url };
          break;
      }
      producers.push(producer);
      const worker = await spawnChildRpc("bench/worker-process.ts", [JSON.stringify(target)]);
      workers.push(worker);
      systems.push({ name, producer, worker });
      log(`${name}: ready on database ${db.name}`);
    }
    const ctx: BenchContext = { options, systems, results, log, note: (m) => notes.push(m) };
    for (const w of options.workloads) {
      const t = performance.now();
      await WORKLOAD_RUNNERS[w](ctx);
      log(`workload (${w}) took ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const rss: RowSpec = { key: "f", label: "(f) peak RSS of the queue's long-running process", unit: "MiB", better: "lower", decimals: 0 };
    for (const s of systems) {
      const bytes = s.name === "whatsnext" ? server!.peakRssBytes() : s.worker.peakRssBytes();
      results.add(rss, s.name, bytes / 2 ** 20);
    }
    notes.push(
      "(f) WhatsNext: the server process (VmHWM over the whole run); pg-boss and graphile-worker are libraries with no server, so theirs is the worker process that hosts them, the process that claims and completes (creates run in the bench process for them).",
    );
  } finally {
    tearDowns.delete(tearDown);
    await tearDown();
  }
  const pgVersion = await serverVersion(databaseUrl);
  notes.unshift(
    `${options.quick ? "QUICK smoke round (small sizes, one repetition): not a measurement. " : ""}Median of ${options.reps} run${options.reps > 1 ? "s" : ""} (range in brackets); ratio columns are WhatsNext's advantage from the medians (above 1 = WhatsNext ahead; latency and memory inverted).`,
    `PostgreSQL ${pgVersion} at ${new URL(databaseUrl).host}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}; WhatsNext clients: ${DEFAULT_STACK} over HTTP/2 cleartext, one connection per client/loop; run took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    "Creates (a, b) and claims (d) run in the bench process; pg-boss and graphile-worker run in-process there (no network hop of their own), WhatsNext is called over gRPC. Workers (c, e) run in a separate process with total concurrency 8 for every system.",
    "(c) WhatsNext: one Work stream per loop with room for 1 (or 100) jobs claimed into RUNNING, each pushed job answered with its finish; its unary rows: FetchJob with start, then FinishJob, or FinishJobs for a batch, with next (finish and claim the next in one call); pg-boss: fetch()/complete() loops with no pause (work() sleeps ≥0.5 s per batch); graphile-worker: run() with concurrency 8, and for batches localQueue.size = the batch and completeJobBatchDelay 0. (e) pg-boss: work() with batchSize 100 and pollingIntervalSeconds 0.5 (its minimum; pg-boss 10 polls), graphile-worker: run() with LISTEN/NOTIFY (ready once listening), WhatsNext: Work streams with room for 100 jobs each (as pg-boss's batchSize); its unary rows: FetchJob and FinishJobs with next, both with wait_seconds, start and max_jobs 100.",
  );
  return { table: renderTable(results, options.systems), notes, results };
}

async function serverVersion(databaseUrl: string): Promise<string> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ server_version: string }>("show server_version");
    return rows[0]!.server_version;
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const databaseUrl = process.env.DATABASE_URL ?? "";
  if (!databaseUrl) {
    process.stderr.write("npm run bench needs PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres); it creates and drops databases of its own there.\n");
    process.exit(2);
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      process.stderr.write(`${signal}: stopping the bench and dropping its databases\n`);
      Promise.allSettled([...tearDowns].map((t) => t())).finally(() => process.exit(130));
    });
  }
  const report = await runBench(options, databaseUrl);
  process.stdout.write(`${report.table}\n\n${report.notes.map((n) => `- ${n}`).join("\n")}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}

