import type { ChildRpc } from "./child-rpc.js";
import { monotonicMicros } from "./clock.js";
import type { BenchOptions } from "./options.js";
import type { BenchPayload, DrainResult, Producer, SystemName } from "./queue-system.js";
import type { Results, RowSpec } from "./results.js";
import { percentile, summarize } from "./stats.js";

/** One system under test: its submitting side here, its worker process over there. */
export interface SystemUnderTest {
  readonly name: SystemName;
  readonly producer: Producer;
  readonly worker: ChildRpc;
}

/** What every workload gets. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly systems: readonly SystemUnderTest[];
  readonly results: Results;
  /** Progress for the person waiting (stderr); the table goes to stdout. */
  log(message: string): void;
  /** Lines printed under the table: how a figure was obtained. */
  note(message: string): void;
}

const n0 = (n: number) => n.toLocaleString("en-US");

async function timedMillis(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * Runs fn(i, client) for i in 0..total-1 from `clients` concurrent loops, or
 * until deadlineMs; resolves with how many calls completed and in how long.
 */
async function concurrently(clients: number, total: number, deadlineMs: number, fn: (i: number, client: number) => Promise<void>): Promise<{ done: number; ms: number }> {
  const started = performance.now();
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (next < total && performance.now() - started < deadlineMs) {
        await fn(next++, client);
        done++;
      }
    }),
  );
  return { done, ms: performance.now() - started };
}

/** Puts n jobs in the queue through the batch API, untimed (setup for (c)). */
async function fill(producer: Producer, n: number, batchSize: number): Promise<void> {
  for (let done = 0; done < n; done += batchSize) {
    const size = Math.min(batchSize, n - done);
    await producer.createJobs(Array.from({ length: size }, (_, k) => ({ i: done + k })));
  }
}

/** (a) single CreateJob calls from one client and from many. */
export async function singleCreates(ctx: BenchContext): Promise<void> {
  const o = ctx.options;
  const serial: RowSpec = { key: "a1", label: "(a) CreateJob, 1 client", unit: "jobs/s", better: "higher", decimals: 0 };
  const many: RowSpec = { key: "a16", label: `(a) CreateJob, ${o.concurrentClients} clients`, unit: "jobs/s", better: "higher", decimals: 0 };
  for (let rep = 0; rep < o.reps; rep++) {
    for (const s of ctx.systems) {
      const rates: number[] = [];
      for (const [row, clients, total] of [[serial, 1, o.singleSerialJobs], [many, o.concurrentClients, o.singleConcurrentJobs]] as const) {
        await s.producer.reset();
        const { done, ms } = await concurrently(clients, total, o.createDeadlineMs, (i, client) => s.producer.createJob({ i }, client));
        ctx.results.add(row, s.name, (done / ms) * 1000);
        rates.push((done / ms) * 1000);
        if (done < total) ctx.note(`(a) ${s.name}, ${clients} client${clients > 1 ? "s" : ""}, rep ${rep + 1}: stopped at the ${o.createDeadlineMs / 1000} s deadline after ${n0(done)} of ${n0(total)} creates; its figure is the rate until then.`);
      }
      ctx.log(`(a) rep ${rep + 1} ${s.name}: ${rates.map((r) => n0(Math.round(r))).join(" and ")} jobs/s`);
    }
  }
}

/** (b) BatchCreateJobs of batchTotalJobs in batches of batchSize, one batch after another. */
export async function batchCreates(ctx: BenchContext): Promise<void> {
  const o = ctx.options;
  const row: RowSpec = { key: "b", label: `(b) BatchCreateJobs, ${n0(o.batchTotalJobs)} in batches of ${n0(o.batchSize)}`, unit: "jobs/s", better: "higher", decimals: 0 };
  const batches: BenchPayload[][] = [];
  for (let done = 0; done < o.batchTotalJobs; done += o.batchSize) batches.push(Array.from({ length: Math.min(o.batchSize, o.batchTotalJobs - done) }, (_, k) => ({ i: done + k })));
  for (let rep = 0; rep < o.reps; rep++) {
    for (const s of ctx.systems) {
      await s.producer.reset();
      const ms = await timedMillis(async () => {
        for (const batch of batches) await s.producer.createJobs(batch);
      });
      ctx.results.add(row, s.name, (o.batchTotalJobs / ms) * 1000);
      ctx.log(`(b) rep ${rep + 1} ${s.name}: ${n0(Math.round((o.batchTotalJobs / ms) * 1000))} jobs/s`);
    }
  }
}

/** (c) end to end: queued no-op jobs claimed, started and finished by the worker process. */
export async function drains(ctx: BenchContext): Promise<void> {
  const o = ctx.options;
  // WhatsNext's worker works on the Work stream; its unary calls (FetchJob, FinishJob(s) with next) get rows of their own.
  const runs = [
    ...[1, o.drainBatch].map((batch) => ({ batch, unary: false })),
    ...[1, o.drainBatch].map((batch) => ({ batch, unary: true })),
  ];
  for (const { batch, unary } of runs) {
    const how = batch === 1 ? "one job at a time" : `batches of ${batch}`;
    const row: RowSpec = {
      key: `c${batch}${unary ? "-unary" : ""}`,
      label: `(c) end to end, ${n0(o.drainJobs)} jobs, concurrency ${o.workerConcurrency}, ${how}${unary ? ", WhatsNext by unary calls" : ""}`,
      unit: "jobs/s",
      better: "higher",
      decimals: 0,
    };
    for (let rep = 0; rep < o.reps; rep++) {
      for (const s of ctx.systems) {
        if (unary && s.name !== "whatsnext") continue;
        await s.producer.reset();
        await fill(s.producer, o.drainJobs, o.batchSize);
        await s.producer.analyze();
        const { done, ms } = await s.worker.call<DrainResult>("drain", { n: o.drainJobs, concurrency: o.workerConcurrency, batch, deadlineMs: o.drainDeadlineMs, unary: unary ? 1 : 0 });
        ctx.results.add(row, s.name, (done / ms) * 1000);
        if (done < o.drainJobs) ctx.note(`(c) ${s.name}, ${how}${unary ? " (unary)" : ""}, rep ${rep + 1}: stopped at the ${o.drainDeadlineMs / 1000} s deadline with ${n0(done)} of ${n0(o.drainJobs)} jobs done; its figure is the rate until then.`);
        ctx.log(`(c) ${how}${unary ? " unary" : ""} rep ${rep + 1} ${s.name}: ${n0(Math.round((done / ms) * 1000))} jobs/s (${n0(done)} jobs)`);
      }
    }
  }
}

/** (d) the median latency of one claim with more and more jobs pending, bulk-loaded with SQL. */
export async function claimLatency(ctx: BenchContext): Promise<void> {
  const o = ctx.options;
  const levels = o.claimLevels;
  const medians = new Map<SystemName, number[][]>(ctx.systems.map((s) => [s.name, levels.map(() => [])]));
  const withinMedians = new Map<SystemName, number[][]>(ctx.systems.map((s) => [s.name, levels.map(() => [])]));
  for (const s of ctx.systems) await s.producer.reset();
  for (const [li, level] of levels.entries()) {
    const row: RowSpec = { key: `d${level}`, label: `(d) claim one job (FetchJob), ${n0(level)} pending, median`, unit: "ms", better: "lower", decimals: 2 };
    for (let rep = 0; rep < o.reps; rep++) {
      for (const s of ctx.systems) {
        const topUp = async () => {
          const pending = await s.producer.countPending();
          if (pending < level) await s.producer.bulkLoadPending(level - pending, true);
        };
        await topUp();
        for (let w = 0; w < 5; w++) await s.producer.claimOne();
        await topUp();
        const samples: number[] = [];
        const sampling = performance.now();
        for (let i = 0; i < o.claimSamples && (i < 5 || performance.now() - sampling < o.claimDeadlineMs); i++) {
          const started = performance.now();
          const got = await s.producer.claimOne();
          samples.push(performance.now() - started);
          if (!got) throw new Error(`${s.name}: a claim with ${level} pending returned no job`);
        }
        const median = summarize(samples).median;
        if (samples.length < o.claimSamples) ctx.note(`(d) ${s.name}, ${n0(level)} pending, rep ${rep + 1}: ${samples.length} claims timed (the ${o.claimDeadlineMs / 1000} s deadline cut the ${o.claimSamples}).`);
        medians.get(s.name)![li]!.push(median);
        ctx.results.add(row, s.name, median);
        ctx.log(`(d) ${n0(level)} pending rep ${rep + 1} ${s.name}: median ${median.toFixed(3)} ms`);
        if (s.producer.claimOneWithin) {
          await topUp();
          const claimWithin = s.producer.claimOneWithin.bind(s.producer);
          const within = await medianClaim(ctx, s, `${n0(level)} pending, with time left`, () => claimWithin(WALLTIME_LEFT_SECONDS));
          withinMedians.get(s.name)![li]!.push(within);
          ctx.results.add({ ...row, key: `${row.key}-walltime`, label: `(d) claim one job by a worker with 10 minutes left (FetchJob available_time), ${n0(level)} pending, median` }, s.name, within);
          ctx.log(`(d) ${n0(level)} pending, 10 minutes left, rep ${rep + 1} ${s.name}: median ${within.toFixed(3)} ms`);
        }
      }
    }
  }
  const first = levels[0]!;
  const last = levels[levels.length - 1]!;
  const ratio: RowSpec = { key: "d-ratio", label: `(d) claim latency ratio ${n0(last)} : ${n0(first)} pending`, unit: "×", better: "lower", decimals: 2 };
  for (const s of ctx.systems) {
    const m = medians.get(s.name)!;
    for (let rep = 0; rep < o.reps; rep++) ctx.results.add(ratio, s.name, m[levels.length - 1]![rep]! / m[0]![rep]!);
  }
  const withinRatio: RowSpec = { key: "d-walltime-ratio", label: `(d) claim latency ratio ${n0(last)} : ${n0(first)} pending, 10 minutes left`, unit: "×", better: "lower", decimals: 2 };
  for (const s of ctx.systems) {
    const m = withinMedians.get(s.name)!;
    for (let rep = 0; rep < m[0]!.length; rep++) ctx.results.add(withinRatio, s.name, m[levels.length - 1]![rep]! / m[0]![rep]!);
  }
  await staleStatistics(ctx);
  ctx.note(`(d) pending jobs were bulk-loaded with SQL (insert … select generate_series) straight into each system's job table, then vacuum analyze; ${o.claimSamples} claims timed per level and repetition (at most ${o.claimDeadlineMs / 1000} s of them, at least 5) after 5 warm-up claims; WhatsNext claims over gRPC, pg-boss with fetch(), graphile-worker with its own get_job statement (prepared, as its pool runs it). After each ANALYZE the WhatsNext rows wait until the server noticed it (whatsnext_statistics_replans_total; it looks every 2 s and then plans on new connections).`);
  for (const s of ctx.systems) await s.producer.reset();
}

/** Time left of the worker in (d)'s walltime rows; one job in ten in WhatsNext's bulk load is expected to take an hour. */
const WALLTIME_LEFT_SECONDS = 600;

/**
 * The median of `claimSamples` single claims (after 5 warm-up claims, which
 * also let a server prepare its statements); `claim` defaults to the
 * system's plain claim.
 */
async function medianClaim(ctx: BenchContext, s: SystemUnderTest, what: string, claim: () => Promise<boolean> = () => s.producer.claimOne()): Promise<number> {
  const o = ctx.options;
  for (let w = 0; w < 5; w++) await claim();
  const samples: number[] = [];
  const sampling = performance.now();
  for (let i = 0; i < o.claimSamples && (i < 5 || performance.now() - sampling < o.claimDeadlineMs); i++) {
    const started = performance.now();
    const got = await claim();
    samples.push(performance.now() - started);
    if (!got) throw new Error(`${s.name}: a claim with ${what} returned no job`);
  }
  return summarize(samples).median;
}

/**
 * (d) without ANALYZE: the queue analysed at the smallest level, claims made
 * (so statements are prepared and plans cached with those statistics), then
 * grown to the largest level with no ANALYZE, as on a database whose
 * autovacuum has not caught up; the ratio shows whether the claim's plan
 * survives statistics 1,000 times too small.
 */
async function staleStatistics(ctx: BenchContext): Promise<void> {
  const o = ctx.options;
  const first = o.claimLevels[0]!;
  const last = o.claimLevels[o.claimLevels.length - 1]!;
  const stale: RowSpec = { key: "d-stale", label: `(d) claim one job, ${n0(last)} pending, statistics of ${n0(first)} (no ANALYZE), median`, unit: "ms", better: "lower", decimals: 2 };
  const ratio: RowSpec = { key: "d-stale-ratio", label: `(d) claim latency ratio ${n0(last)} : ${n0(first)} pending, no ANALYZE`, unit: "×", better: "lower", decimals: 2 };
  for (let rep = 0; rep < o.reps; rep++) {
    for (const s of ctx.systems) {
      await s.producer.reset();
      await s.producer.bulkLoadPending(first, true);
      const before = await medianClaim(ctx, s, `${n0(first)} pending`);
      await s.producer.bulkLoadPending(last - (await s.producer.countPending()), false);
      const after = await medianClaim(ctx, s, `${n0(last)} pending, no ANALYZE`);
      ctx.results.add(stale, s.name, after);
      ctx.results.add(ratio, s.name, after / before);
      ctx.log(`(d) no ANALYZE rep ${rep + 1} ${s.name}: median ${before.toFixed(3)} ms at ${n0(first)}, ${after.toFixed(3)} ms at ${n0(last)}`);
    }
  }
  ctx.note(`(d) no ANALYZE: reset (statistics of an empty table), ${n0(first)} jobs loaded and analysed, claims timed; then grown to ${n0(last)} with no ANALYZE (autovacuum is off here), the same connections claiming.`);
}

/** (e) pickup latency: jobs created one by one at a steady rate while the workers wait. */
export async function pickupLatency(ctx: BenchContext): Promise<void> {
  const o = ctx.options;
  const achieved = new Map<string, number[]>();
  const runs = [
    ...o.pickupRates.map((rate) => ({ rate, unary: false })),
    ...o.pickupRates.map((rate) => ({ rate, unary: true })),
  ];
  for (const { rate: pickupRate, unary } of runs) {
    const n = pickupRate * o.pickupSeconds;
    const how = `at ${n0(pickupRate)} jobs/s for ${o.pickupSeconds} s${unary ? ", WhatsNext by unary calls" : ""}`;
    const p50: RowSpec = { key: `e50-${pickupRate}${unary ? "-unary" : ""}`, label: `(e) pickup latency ${how}, p50`, unit: "ms", better: "lower", decimals: 2 };
    const p99: RowSpec = { key: `e99-${pickupRate}${unary ? "-unary" : ""}`, label: `(e) pickup latency ${how}, p99`, unit: "ms", better: "lower", decimals: 2 };
    for (let rep = 0; rep < o.reps; rep++) {
      for (const s of ctx.systems) {
        if (unary && s.name !== "whatsnext") continue;
        await s.producer.reset();
        await s.worker.call("pickup-start", { n, concurrency: o.workerConcurrency, deadlineMs: o.pickupSeconds * 1000 + o.pickupGraceMs, unary: unary ? 1 : 0 });
        const intervalMs = 1000 / pickupRate;
        const inflight = new Set<Promise<void>>();
        const errors: unknown[] = [];
        const started = performance.now();
        let sent = 0;
        while (sent < n) {
          const due = Math.min(n, Math.floor((performance.now() - started) / intervalMs) + 1);
          while (sent < due) {
            const i = sent++;
            const p: Promise<void> = s.producer
              .createJob({ i, t: monotonicMicros() }, i % o.concurrentClients)
              .catch((err: unknown) => void errors.push(err))
              .finally(() => inflight.delete(p));
            inflight.add(p);
          }
          // Sleep until the next create is due (a 1 ms tick at high rates), not in a busy loop that takes the CPU from the systems measured.
          await new Promise((r) => setTimeout(r, Math.max(1, Math.floor(started + sent * intervalMs - performance.now()))));
        }
        await Promise.all(inflight);
        const rate = (n / (performance.now() - started)) * 1000;
        const key = `${s.name} at ${pickupRate}/s${unary ? " (unary)" : ""}`;
        achieved.set(key, [...(achieved.get(key) ?? []), rate]);
        if (errors.length > 0) throw new Error(`${s.name}: ${errors.length} creates failed during (e): ${String(errors[0])}`);
        const latencies = await s.worker.call<number[]>("pickup-result");
        if (latencies.length < n) {
          ctx.note(`(e) ${s.name} ${how} rep ${rep + 1}: ${n0(n - latencies.length)} of ${n0(n)} jobs were not picked up within ${o.pickupGraceMs / 1000} s of the last submission; they count as ${o.pickupGraceMs / 1000} s late, so its percentiles are lower bounds.`);
          while (latencies.length < n) latencies.push(o.pickupGraceMs);
        }
        ctx.results.add(p50, s.name, percentile(latencies, 0.5));
        ctx.results.add(p99, s.name, percentile(latencies, 0.99));
        ctx.log(`(e) ${how} rep ${rep + 1} ${s.name}: p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms, submitted at ${rate.toFixed(0)} jobs/s`);
      }
    }
  }
  ctx.note(
    `(e) achieved submission rate (jobs/s, median): ${[...achieved].map(([name, r]) => `${name} ${summarize(r).median.toFixed(0)}`).join(", ")}; latency runs from just before the create call to the worker's handler (WhatsNext: the pushed job, or FetchJob's answer by unary calls) in another process, on the system-wide monotonic clock.`,
  );
}
