import pg from "pg";
import { EventEmitter } from "node:events";
import { Logger, makeWorkerUtils, run, type Runner, type WorkerEvents } from "graphile-worker";
import { millisSince, monotonicMicros } from "./clock.js";
import type { BenchPayload, Consumer, Producer } from "./queue-system.js";

/** The one task identifier the bench uses in graphile-worker. */
const TASK = "noop";

/** graphile-worker's logger, silenced: the bench prints one table. */
const silent = new Logger(() => () => undefined);

/**
 * graphile-worker's claim statement as its worker pool issues it
 * (dist/sql/getJobs.js of 0.17.3: batch size 1, named-queue strategy 2, server
 * time), run through a prepared statement the way the pool runs it. The
 * library has no public fetch-one call, and the bench measures the claim alone.
 */
const GET_JOB_SQL = `\
with j as (
  select jobs.job_queue_id, jobs.priority, jobs.run_at, jobs.id
    from graphile_worker._private_jobs as jobs
    where jobs.is_available = true
    and run_at <= now()
    and task_id = any($2::int[])
    and (
      jobs.job_queue_id is null
      or
      jobs.job_queue_id in (
        select id
        from graphile_worker._private_job_queues as job_queues
        where job_queues.is_available = true
        for update
        skip locked
      )
    )
    order by priority asc, run_at asc
    limit 1
    for update
    skip locked
),
q as (
  update graphile_worker._private_job_queues as job_queues
    set
      locked_by = $1::text,
      locked_at = now()
    from j
    where job_queues.id = j.job_queue_id
)
  update graphile_worker._private_jobs as jobs
    set
      attempts = jobs.attempts + 1,
      locked_by = $1::text,
      locked_at = now()
    from j
    where jobs.id = j.id
    returning *`;

/**
 * The graphile-worker side of the bench process: WorkerUtils over a pool
 * sized for the concurrency (its documented way to add jobs from an
 * application), addJob for one, addJobs for many.
 */
export async function createGraphileProducer(databaseUrl: string, clients: number): Promise<Producer> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: clients + 2 });
  pool.on("error", (err) => process.stderr.write(`graphile-worker pool: ${err.message}\n`));
  const utils = await makeWorkerUtils({ pgPool: pool, logger: silent });
  await utils.migrate();
  await pool.query(`insert into graphile_worker._private_tasks (identifier) values ($1) on conflict do nothing`, [TASK]);
  const { rows } = await pool.query<{ id: number }>(`select id from graphile_worker._private_tasks where identifier = $1`, [TASK]);
  const taskId = rows[0]!.id;
  const claimer = new pg.Client({ connectionString: databaseUrl });
  await claimer.connect();
  return {
    async createJob(payload: BenchPayload) {
      await utils.addJob(TASK, payload);
    },
    async createJobs(payloads: readonly BenchPayload[]) {
      await utils.addJobs(payloads.map((payload) => ({ identifier: TASK, payload })));
    },
    async bulkLoadPending(count: number, analyze: boolean) {
      await pool.query(`insert into graphile_worker._private_jobs (task_id, payload) select $1, json_build_object('i', g) from generate_series(1, $2::int) g`, [taskId, count]);
      if (analyze) await pool.query("vacuum analyze graphile_worker._private_jobs");
    },
    async analyze() {
      await pool.query("analyze graphile_worker._private_jobs");
    },
    async countPending() {
      const { rows: r } = await pool.query<{ n: string }>(`select count(*) as n from graphile_worker._private_jobs where is_available`);
      return Number(r[0]!.n);
    },
    async claimOne() {
      const { rows: r } = await claimer.query({ name: "bench_get_job", text: GET_JOB_SQL, values: ["bench-claimer", [taskId]] });
      return r.length > 0;
    },
    async reset() {
      await pool.query("truncate graphile_worker._private_jobs");
      await pool.query("vacuum analyze graphile_worker._private_jobs");
    },
    async close() {
      await claimer.end();
      await utils.release();
      await pool.end();
    },
  };
}

/**
 * The graphile-worker side of the worker process: a runner per workload with
 * the documented throughput settings. One job per call: concurrency 8, no
 * local queue, completions one by one. Batches: localQueue.size = the batch
 * and completeJobBatchDelay 0, so claims and completions go in batches.
 */
export async function createGraphileConsumer(databaseUrl: string): Promise<Consumer> {
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  const start = (concurrency: number, batch: number, onJob: (payload: BenchPayload) => void, events?: WorkerEvents): Promise<Runner> =>
    run({
      ...(events ? { events } : {}),
      connectionString: databaseUrl,
      concurrency,
      maxPoolSize: Math.max(10, concurrency + 2),
      noHandleSignals: true,
      logger: silent,
      taskList: {
        [TASK]: async (payload) => onJob(payload as BenchPayload),
      },
      preset: { worker: batch > 1 ? { localQueue: { size: batch }, completeJobBatchDelay: 0 } : {} },
    });
  return {
    async drain(n, concurrency, batch, deadlineMs) {
      const started = monotonicMicros();
      let handled = 0;
      let allHandled!: () => void;
      const handledPromise = new Promise<void>((r) => (allHandled = r));
      const timer = setTimeout(() => allHandled(), deadlineMs);
      const runner = await start(concurrency, batch, () => {
        if (++handled === n) allHandled();
      });
      await handledPromise;
      clearTimeout(timer);
      // A handler's return is followed by its completion (deleting the row): count what is gone.
      const remaining = async () => Number((await sql.query<{ n: string }>("select count(*) as n from graphile_worker._private_jobs")).rows[0]!.n);
      let left = await remaining();
      while (left > 0 && handled >= n) {
        await new Promise((r) => setTimeout(r, 2));
        left = await remaining();
      }
      const ms = millisSince(started);
      await runner.stop();
      return { done: n - left, ms };
    },
    pickup(n, concurrency, deadlineMs) {
      const latencies: number[] = [];
      let resolveAll!: (l: number[]) => void;
      const all = new Promise<number[]>((r) => (resolveAll = r));
      setTimeout(() => resolveAll(latencies), deadlineMs).unref();
      // Ready once its LISTEN is in place: before that a new job waits for the next poll (2 s), which is start-up, not pickup.
      const events: WorkerEvents = new EventEmitter();
      const listening = new Promise<void>((resolve) => events.once("pool:listen:success", () => resolve()));
      const runnerPromise = start(
        concurrency,
        1,
        (payload) => {
          latencies.push((monotonicMicros() - payload.t!) / 1000);
          if (latencies.length === n) resolveAll(latencies);
        },
        events,
      );
      return {
        ready: Promise.all([runnerPromise, listening]).then(() => undefined),
        latencies: all.then(async (l) => {
          await (await runnerPromise).stop();
          return l;
        }),
      };
    },
    async close() {
      await sql.end();
    },
  };
}
