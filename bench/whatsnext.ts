import pg from "pg";
import { JobService, type Job } from "../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../gen/whatsnext/v1/task_pb.js";
import { WorkerService } from "../gen/whatsnext/v1/worker_pb.js";
import { metricValue } from "../test/support/metrics.js";
import { until } from "../test/support/until.js";
import { millisSince, monotonicMicros } from "./clock.js";
import type { BenchPayload, Consumer, Producer, Via } from "./queue-system.js";
import { openBenchStream } from "./work-stream-loop.js";
import { connectOwn, type OwnConnectionClient } from "./whatsnext-client.js";

/**
 * The most jobs one loop takes at a time in (e), as pg-boss's work() there
 * takes batchSize 100: one job when one is waiting, the backlog's share when
 * the creates run ahead of the workers.
 */
const PICKUP_BATCH = 100;

/** The task every bench job belongs to. */
const TASK = "noop";

/** A project and task the bench creates through the API before measuring. */
export interface WhatsNextProject {
  readonly projectId: bigint;
}

/** Creates the bench's project and its no-op task through the API. */
export async function createBenchProject(url: string): Promise<WhatsNextProject> {
  const projects = connectOwn(ProjectService, url);
  const tasks = connectOwn(TaskService, url);
  try {
    const { project } = await projects.client.createProject({ name: "bench", description: "npm run bench" });
    await tasks.client.createTask({ projectId: project!.id, name: TASK, commandTemplate: "true" });
    return { projectId: project!.id };
  } finally {
    projects.close();
    tasks.close();
  }
}

/**
 * The WhatsNext side of the bench process: `clients` gRPC clients on
 * connections of their own, CreateJob for one job, BatchCreateJobs for many,
 * and FetchJob from a registered worker for the claim latency.
 */
export async function createWhatsNextProducer(url: string, databaseUrl: string, project: WhatsNextProject, clients: number): Promise<Producer> {
  const jobClients = Array.from({ length: clients }, () => connectOwn(JobService, url));
  const worker = connectOwn(WorkerService, url);
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const workerId = "bench-claimer";
  await worker.client.registerWorker({ id: workerId, name: workerId });
  const projectId = project.projectId;
  const replans = async () => (await metricValue(url, "whatsnext_statistics_replans_total")) ?? NaN;
  /**
   * Runs an ANALYZE and waits until the server has noticed it: it replaces its
   * connections so that statements are planned on the new statistics alone
   * (src/db/statistics-watch.ts), looking every 2 s. Claims timed before that
   * would measure the connections' plan history, not the queue.
   */
  const analyse = async (statement: string) => {
    const before = await replans();
    if (Number.isNaN(before)) throw new Error(`${url}/metrics has no whatsnext_statistics_replans_total`);
    await sql.query(statement);
    await until("the server to notice the ANALYZE (whatsnext_statistics_replans_total)", async () => (await replans()) > before, 15_000);
  };
  return {
    async createJob(payload: BenchPayload, client: number) {
      await jobClients[client % jobClients.length]!.client.createJob({ projectId, task: { case: "taskName", value: TASK }, parameters: payload });
    },
    async createJobs(payloads: readonly BenchPayload[]) {
      await jobClients[0]!.client.batchCreateJobs({ projectId, jobs: payloads.map((parameters) => ({ task: { case: "taskName", value: TASK }, parameters })) });
    },
    async bulkLoadPending(count: number, analyze: boolean) {
      await sql.query(
        // One job in ten is expected to take an hour, so a worker with less time left must pass over them.
        `insert into job (project_id, task_id, parameters, expected_seconds)
         select $1, t.id, jsonb_build_object('i', g), case when g % 10 = 0 then 3600 end from task t, generate_series(1, $2::int) g where t.project_id = $1 and t.name = $3`,
        [String(projectId), count, TASK],
      );
      if (analyze) await analyse("vacuum analyze job");
    },
    async analyze() {
      await analyse("analyze job");
    },
    async countPending() {
      const { rows } = await sql.query<{ n: string }>(`select count(*) as n from job where project_id = $1 and status = 'pending'`, [String(projectId)]);
      return Number(rows[0]!.n);
    },
    async claimOne() {
      const res = await worker.client.fetchJob({ workerId, project: { case: "projectId", value: projectId }, maxJobs: 1, waitSeconds: 0 });
      return res.jobs.length > 0;
    },
    async claimOneWithin(seconds: number) {
      const res = await worker.client.fetchJob({ workerId, project: { case: "projectId", value: projectId }, maxJobs: 1, waitSeconds: 0, availableTime: { seconds: BigInt(seconds) } });
      return res.jobs.length > 0;
    },
    async reset() {
      await sql.query("truncate job cascade");
      await sql.query("vacuum analyze job");
    },
    async close() {
      jobClients.forEach((c) => c.close());
      worker.close();
      await sql.end();
    },
  };
}

/**
 * The WhatsNext side of the worker process: one registered worker and one
 * connection per loop, as `concurrency` single-slot workers would run. Each
 * loop claims straight into RUNNING (FetchJob with start) and then reports
 * each outcome with the next claim in the same call (FinishJob or FinishJobs
 * with next): one call per job, or one call per batch of max_jobs.
 */
export async function createWhatsNextConsumer(url: string, projectIdText: string, maxLoops = 16): Promise<Consumer> {
  const projectId = BigInt(projectIdText);
  const project = { case: "projectId" as const, value: projectId };
  const loops: Array<{ id: string; conn: OwnConnectionClient<typeof WorkerService> }> = [];
  for (let i = 0; i < maxLoops; i++) {
    const conn = connectOwn(WorkerService, url);
    const id = `bench-worker-${i}`;
    await conn.client.registerWorker({ id, name: id });
    loops.push({ id, conn });
  }
  /** Finishes the jobs as succeeded and claims up to nextMax more (none when 0), waiting up to waitSeconds for them. */
  const finishAndFetch = async (loop: (typeof loops)[number], jobs: readonly Job[], nextMax: number, waitSeconds: number, signal?: AbortSignal): Promise<Job[]> => {
    const c = loop.conn.client;
    const next = nextMax > 0 ? { project, maxJobs: nextMax, waitSeconds, start: true } : undefined;
    if (jobs.length === 1) {
      const res = await c.finishJob({ jobId: jobs[0]!.id, workerId: loop.id, success: true, exitCode: 0, next }, { signal });
      return res.next?.jobs ?? [];
    }
    const res = await c.finishJobs({ workerId: loop.id, outcomes: jobs.map((j) => ({ jobId: j.id, success: true, exitCode: 0 })), next }, { signal });
    const failed = res.results.find((r) => r.errorCode !== "");
    if (failed) throw new Error(`FinishJobs: ${failed.errorCode} ${failed.errorMessage}`);
    return res.next?.jobs ?? [];
  };
  /**
   * Over the Work stream: each loop opens one, declares room for `batch`
   * jobs claimed straight into RUNNING, and answers every pushed job with
   * its finish at once; the server pushes the next as soon as a finish frees
   * room.
   */
  const drainOnStreams = async (n: number, concurrency: number, batch: number, deadlineMs: number) => {
    const started = monotonicMicros();
    let done = 0;
    let finished!: () => void;
    const allDone = new Promise<void>((r) => (finished = r));
    const timer = setTimeout(() => finished(), deadlineMs);
    const streams = loops.slice(0, concurrency).map((loop) =>
      openBenchStream(loop.conn.client, loop.id, projectId, batch, {
        jobs: (jobs, s) => {
          for (const job of jobs) s.finish(job.id);
        },
        finished: () => {
          if (++done >= n) finished();
        },
      }),
    );
    // A stream that fails or ends early fails the drain: a bench that loses jobs prints no figure.
    const early = streams.map((s) => s.ended.then(() => Promise.reject(new Error(`a Work stream ended with ${done} of ${n} jobs done`))));
    for (const e of early) e.catch(() => undefined); // the streams end when closed below; only an end before that counts
    await Promise.race([allDone, ...early]);
    const ms = millisSince(started);
    clearTimeout(timer);
    await Promise.all(streams.map((s) => s.close()));
    return { done, ms };
  };
  const pickupOnStreams = (n: number, concurrency: number, deadlineMs: number) => {
    const latencies: number[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const timer = setTimeout(() => stop(), deadlineMs);
    const streams = loops.slice(0, concurrency).map((loop) =>
      openBenchStream(loop.conn.client, loop.id, projectId, PICKUP_BATCH, {
        jobs: (jobs, s) => {
          const now = monotonicMicros();
          for (const job of jobs) {
            latencies.push((now - Number(job.parameters?.t)) / 1000);
            s.finish(job.id);
          }
          if (latencies.length >= n) stop();
        },
      }),
    );
    return {
      ready: Promise.all(streams.map((s) => s.opened)).then(() => undefined),
      latencies: stopped.then(async () => {
        clearTimeout(timer);
        await Promise.all(streams.map((s) => s.close()));
        return latencies;
      }),
    };
  };
  return {
    async drain(n, concurrency, batch, deadlineMs, via: Via) {
      if (via === "stream") return drainOnStreams(n, concurrency, batch, deadlineMs);
      const started = monotonicMicros();
      let claimed = 0;
      let done = 0;
      const want = () => Math.min(batch, n - claimed);
      await Promise.all(
        loops.slice(0, concurrency).map(async (loop) => {
          let held: Job[] = [];
          while ((claimed < n || held.length > 0) && millisSince(started) < deadlineMs) {
            if (held.length === 0) {
              const res = await loop.conn.client.fetchJob({ workerId: loop.id, project, maxJobs: want(), waitSeconds: 0, start: true });
              claimed += res.jobs.length;
              held = res.jobs;
              if (held.length === 0) {
                await new Promise((r) => setTimeout(r, 5));
                continue;
              }
            }
            const nextMax = Math.max(0, want());
            const next = await finishAndFetch(loop, held, nextMax, 0);
            done += held.length;
            claimed += next.length;
            held = next;
          }
        }),
      );
      return { done, ms: millisSince(started) };
    },
    pickup(n, concurrency, deadlineMs, via: Via) {
      if (via === "stream") return pickupOnStreams(n, concurrency, deadlineMs);
      const latencies: number[] = [];
      // One controller per waiting call (a signal shared by thousands of calls would collect a listener per call).
      const waiting = new Set<AbortController>();
      let stopped = false;
      const stop = () => {
        stopped = true;
        for (const c of waiting) c.abort();
      };
      setTimeout(stop, deadlineMs).unref();
      const work = Promise.all(
        loops.slice(0, concurrency).map(async (loop) => {
          let held: Job[] = [];
          while (!stopped) {
            const call = new AbortController();
            waiting.add(call);
            try {
              held =
                held.length === 0
                  ? (await loop.conn.client.fetchJob({ workerId: loop.id, project, maxJobs: PICKUP_BATCH, waitSeconds: 30, start: true }, { signal: call.signal })).jobs
                  : await finishAndFetch(loop, held, PICKUP_BATCH, 30, call.signal);
            } catch (err) {
              if (stopped) return;
              throw err;
            } finally {
              waiting.delete(call);
            }
            const now = monotonicMicros();
            for (const job of held) latencies.push((now - Number(job.parameters?.t)) / 1000);
            if (latencies.length >= n) stop();
          }
        }),
      );
      // The first FetchJob of every loop is in flight and waiting once the server has had a moment to LISTEN.
      const ready = new Promise<void>((r) => setTimeout(r, 500));
      return { ready, latencies: work.then(() => latencies) };
    },
    async close() {
      for (const loop of loops) {
        await loop.conn.client.deactivateWorker({ workerId: loop.id }).catch(() => undefined);
        loop.conn.close();
      }
    },
  };
}
