import PgBoss from "pg-boss";
import pg from "pg";
import { millisSince, monotonicMicros } from "./clock.js";
import type { BenchPayload, Consumer, Producer } from "./queue-system.js";

/** The one queue the bench uses in pg-boss. */
const QUEUE = "bench";

/**
 * pg-boss as its documentation sets it up for throughput: one instance with a
 * pool large enough for the concurrency, maintenance and cron off in the
 * bench process (they are not part of the work measured), send() for one
 * job, insert() for many.
 */
async function startBoss(databaseUrl: string, poolSize: number): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: databaseUrl, max: poolSize, supervise: false, schedule: false, application_name: "bench-pg-boss" });
  boss.on("error", (err: Error) => process.stderr.write(`pg-boss: ${err.message}\n`));
  await boss.start();
  await boss.createQueue(QUEUE);
  return boss;
}

/** The pg-boss side of the bench process. */
export async function createPgBossProducer(databaseUrl: string, clients: number): Promise<Producer> {
  const boss = await startBoss(databaseUrl, clients + 2);
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const claimer = await startBoss(databaseUrl, 2);
  return {
    async createJob(payload: BenchPayload) {
      await boss.send(QUEUE, payload);
    },
    async createJobs(payloads: readonly BenchPayload[]) {
      await boss.insert(payloads.map((data) => ({ name: QUEUE, data })));
    },
    async bulkLoadPending(count: number, analyze: boolean) {
      await sql.query(`insert into pgboss.job (name, data, policy) select $1, jsonb_build_object('i', g), 'standard' from generate_series(1, $2::int) g`, [QUEUE, count]);
      if (analyze) await sql.query("vacuum analyze pgboss.job");
    },
    async analyze() {
      await sql.query("analyze pgboss.job");
    },
    async countPending() {
      const { rows } = await sql.query<{ n: string }>(`select count(*) as n from pgboss.job where name = $1 and state < 'active'`, [QUEUE]);
      return Number(rows[0]!.n);
    },
    async claimOne() {
      const jobs = await claimer.fetch(QUEUE);
      return jobs.length > 0;
    },
    async reset() {
      await sql.query("truncate pgboss.job");
      await sql.query("truncate pgboss.archive");
      await sql.query("vacuum analyze pgboss.job");
    },
    async close() {
      await claimer.stop({ graceful: false, wait: true });
      await boss.stop({ graceful: false, wait: true });
      await sql.end();
    },
  };
}

/**
 * The pg-boss side of the worker process. drain() runs fetch/complete loops
 * with no pause: pg-boss's own work() sleeps pollingIntervalSeconds (at least
 * 0.5 s) after every batch, which would cap it at batchSize/0.5 s per loop;
 * the loop gives pg-boss its best throughput. pickup() uses work(), its
 * documented way to wait for jobs (it polls; pg-boss 10 has no push).
 */
export async function createPgBossConsumer(databaseUrl: string): Promise<Consumer> {
  const boss = await startBoss(databaseUrl, 10);
  return {
    async drain(n, concurrency, batch, deadlineMs) {
      const started = monotonicMicros();
      let claimed = 0;
      let done = 0;
      const loop = async () => {
        while (claimed < n && millisSince(started) < deadlineMs) {
          const jobs = await boss.fetch(QUEUE, { batchSize: Math.min(batch, n - claimed) });
          if (jobs.length === 0) {
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          claimed += jobs.length;
          await boss.complete(QUEUE, jobs.map((j) => j.id));
          done += jobs.length;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, loop));
      return { done, ms: millisSince(started) };
    },
    pickup(n, concurrency, deadlineMs) {
      const latencies: number[] = [];
      let resolveAll!: (l: number[]) => void;
      const all = new Promise<number[]>((r) => (resolveAll = r));
      setTimeout(() => resolveAll(latencies), deadlineMs).unref();
      const ready = (async () => {
        for (let i = 0; i < concurrency; i++) {
          await boss.work<BenchPayload>(QUEUE, { batchSize: 100, pollingIntervalSeconds: 0.5 }, async (jobs) => {
            const now = monotonicMicros();
            for (const job of jobs) latencies.push((now - job.data.t!) / 1000);
            if (latencies.length >= n) resolveAll(latencies);
          });
        }
      })();
      const latenciesDone = all.then(async (l) => {
        await boss.offWork(QUEUE);
        return l;
      });
      return { ready, latencies: latenciesDone };
    },
    async close() {
      await boss.stop({ graceful: false, wait: true });
    },
  };
}
