import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { FAULTS, type FaultOutcome, type FaultTargets } from "./faults.js";
import { freePort } from "./free-port.js";
import type { ChaosOptions } from "./options.js";
import { findPostgresBinaries, TemporaryCluster } from "./postgres-cluster.js";
import { killGroup, ProcessGroups } from "./process-groups.js";
import { Replica } from "./replica.js";
import { judge, type ChaosVerdict, type StoredStatus } from "./verdict.js";
import { WorkerFleet } from "./worker-fleet.js";
import { createWorkload } from "./workload.js";

/** How long after a fault's recovery an answer still counts as that fault's (calls that were in flight or in backoff). */
export const FAULT_WINDOW_TAIL_MS = 2000;

/** Why the drain phase ended. */
export type DrainEnd = "every job ended" | "deadline" | "stalled";

/** Everything a run observed; report-table.ts renders it. */
export interface ChaosReport {
  readonly options: ChaosOptions;
  readonly postgresMajor: number;
  readonly verdict: ChaosVerdict;
  readonly faults: readonly FaultOutcome[];
  /** Final statuses of the jobs the SIGKILLed worker held, by status. */
  readonly heldJobsEnd: Readonly<Record<string, number>>;
  readonly drain: { readonly endedBy: DrainEnd; readonly seconds: number };
  readonly totalSeconds: number;
  /** Reasons the run proves nothing (a fault not injected, a replica that did not come back). */
  readonly problems: readonly string[];
  /** verdict.clean and no problem. */
  readonly pass: boolean;
  /** The temporary folders and process groups the run used; all gone by the time runChaos returns. */
  readonly footprint: { readonly folders: readonly string[]; readonly processGroups: ReadonlySet<number> };
}

/** Thrown when the machine has no PostgreSQL server binaries; the message says what was looked for. */
export class PostgresMissingError extends Error {
  override name = "PostgresMissingError";
}

/** Counts of the project's jobs by stored status, read straight from PostgreSQL (not through the servers under test). */
async function statusCounts(pool: pg.Pool, projectId: bigint): Promise<Record<StoredStatus, number>> {
  const { rows } = await pool.query<{ status: StoredStatus; n: number }>("select status, count(*)::int as n from job where project_id = $1 group by status", [String(projectId)]);
  const counts: Record<StoredStatus, number> = { pending: 0, queued: 0, running: 0, completed: 0, failed: 0, blocked: 0, cancelled: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** A postmaster pg_ctl was still starting when the run was stopped (not yet tracked): its group goes too. */
function killStartingPostmaster(clusterDir: string): void {
  try {
    const pid = Number(readFileSync(join(clusterDir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
    if (Number.isInteger(pid) && pid > 0) killGroup(pid);
  } catch {
    // no postmaster was started
  }
}

/**
 * Polls the job counts (straight from PostgreSQL) every 250 ms, publishing
 * the number of ended jobs to the fault injector, until no job is PENDING,
 * QUEUED or RUNNING, the deadline passes, or no job has ended for stallMs.
 * A read that fails (PostgreSQL restarting) is skipped.
 */
async function watchDrain(
  monitor: pg.Pool,
  projectId: bigint,
  options: ChaosOptions,
  drainStarted: number,
  progress: { ended: number },
  log: (line: string) => void,
): Promise<DrainEnd> {
  let lastEnded = -1;
  let lastChange = performance.now();
  let lastLog = 0;
  for (;;) {
    const counts = await statusCounts(monitor, projectId).catch(() => undefined);
    const now = performance.now();
    if (counts) {
      const ended = counts.completed + counts.failed + counts.blocked + counts.cancelled;
      progress.ended = ended;
      if (ended !== lastEnded) [lastEnded, lastChange] = [ended, now];
      if (now - lastLog > 5000) {
        lastLog = now;
        log(`${ended}/${options.jobs} ended (pending ${counts.pending}, queued ${counts.queued}, running ${counts.running}, failed ${counts.failed}, blocked ${counts.blocked})`);
      }
      if (counts.pending + counts.queued + counts.running === 0) return "every job ended";
    }
    if (now - drainStarted > options.drainDeadlineMs) return "deadline";
    if (now - lastChange > options.stallMs) return "stalled";
    await sleep(250);
  }
}

/** Every job's status at the end, straight from PostgreSQL (retried for 30 s, in case it is still recovering). */
async function readFinalStatuses(monitor: pg.Pool, projectId: bigint): Promise<Map<number, StoredStatus>> {
  for (let tries = 0; ; tries++) {
    try {
      const { rows } = await monitor.query<{ id: string; status: StoredStatus }>("select id, status from job where project_id = $1", [String(projectId)]);
      return new Map(rows.map((r) => [Number(r.id), r.status]));
    } catch (err) {
      if (tries >= 60) throw err;
      await sleep(500);
    }
  }
}

/**
 * One chaos run: a PostgreSQL cluster of its own in a temporary folder, two
 * server replicas, worker processes running options.loops loops over three
 * client stacks, options.jobs jobs created through the API and drained while
 * the faults of faults.ts are injected one after another; then every lease is
 * let expire, the final statuses are read from PostgreSQL and judged against
 * the workers' ledgers. Every process it started is killed (by process
 * group) and the folders removed before it returns or throws, and on SIGINT
 * or SIGTERM (after which the process dies of that signal).
 */
export async function runChaos(options: ChaosOptions, opts: { log?: (line: string) => void } = {}): Promise<ChaosReport> {
  const started = performance.now();
  const log = (line: string) => opts.log?.(`[chaos ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const bin = findPostgresBinaries();
  if ("missing" in bin) throw new PostgresMissingError(bin.missing);

  const dir = mkdtempSync(join(tmpdir(), "wn-chaos-"));
  // A folder of its own: when we are root the cluster runs as `postgres`, which must own it and reach it.
  const clusterDir = mkdtempSync(join(tmpdir(), "wn-chaos-pg-"));
  const logDir = options.keepDir ?? dir;
  mkdirSync(logDir, { recursive: true });
  const groups = new ProcessGroups();
  let cluster: TemporaryCluster | undefined;
  let monitor: pg.Pool | undefined;
  const progress = { ended: 0, drained: false };
  let cleaned = false;
  // Ctrl-C, a kill, or an exit() elsewhere never reaches `finally`: clean up synchronously there, then die of the signal as usual.
  const cleanUpNow = () => {
    if (cleaned) return;
    cleaned = true;
    cluster?.stopNow();
    groups.killAllNow();
    killStartingPostmaster(clusterDir);
    for (const d of [dir, clusterDir]) rmSync(d, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: killing every process group the run started and removing its folders`);
    cleanUpNow();
    unhook();
    process.kill(process.pid, signal);
  };
  const unhook = () => {
    process.removeListener("exit", cleanUpNow);
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  };
  process.once("exit", cleanUpNow);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    log(`PostgreSQL ${bin.major} from ${bin.dir}: initdb in ${clusterDir}`);
    cluster = await TemporaryCluster.create(clusterDir, bin, groups);
    const databaseUrl = await cluster.createDatabase("whatsnext");

    const settings = { databaseUrl, leaseSeconds: options.leaseSeconds, reaperIntervalMs: options.reaperIntervalMs };
    const replicas = [new Replica("A", await freePort(), settings, groups, join(logDir, "replica-A.log")), new Replica("B", await freePort(), settings, groups, join(logDir, "replica-B.log"))] as const;
    await Promise.all(replicas.map((r) => r.start()));
    log(`replicas A ${replicas[0].url} and B ${replicas[1].url} answering`);

    const workload = await createWorkload(replicas[0].url, options.jobs, options.dependencyEvery);
    log(`created ${workload.jobIds.length} jobs in project ${workload.projectId}`);
    const fleet = new WorkerFleet(
      {
        runTag: randomBytes(3).toString("hex"),
        ledgerDir: logDir,
        replicaUrls: [replicas[0].url, replicas[1].url],
        projectId: workload.projectId,
        loops: options.loops,
        processes: options.workerProcesses,
        workMinMs: options.workMinMs,
        workMaxMs: options.workMaxMs,
      },
      groups,
    );
    const drainStarted = performance.now();
    await fleet.startAll();
    log(`${options.loops} worker loops in ${options.workerProcesses} processes running`);

    monitor = new pg.Pool({ connectionString: databaseUrl, max: 1, connectionTimeoutMillis: 2000 });
    monitor.on("error", () => undefined); // an idle connection cut by a PostgreSQL restart; the next query reconnects
    const targets: FaultTargets = { fleet, replicas, cluster, replicaDownMs: options.replicaDownMs };
    const faults: FaultOutcome[] = [];
    const injecting = (async () => {
      for (const fault of FAULTS) {
        while (!progress.drained && progress.ended < fault.at * options.jobs) await sleep(20);
        if (progress.drained) {
          faults.push({ name: fault.name, detail: "not injected", problem: `${fault.name} was not injected: the drain ended first` });
          continue;
        }
        const atEnded = progress.ended;
        const from = Date.now();
        log(`fault: ${fault.name} (${atEnded} jobs ended)`);
        const outcome = await fault.inject(targets).catch((err: unknown) => ({ detail: "failed", problem: `${fault.name} failed: ${String(err)}` }));
        log(`fault: ${fault.name}: ${outcome.detail}`);
        faults.push({ name: fault.name, atEnded, from, to: Date.now(), ...outcome });
      }
    })();

    const endedBy = await watchDrain(monitor, workload.projectId, options, drainStarted, progress, log);
    progress.drained = true;
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    log(`drain ended (${endedBy}) after ${drainSeconds.toFixed(1)} s; waiting for the fault in progress`);
    await injecting;

    await fleet.stopAll(30_000);
    const settleMs = options.leaseSeconds * 1000 + 2 * options.reaperIntervalMs + 1000;
    log(`workers stopped; letting every lease expire (${(settleMs / 1000).toFixed(1)} s)`);
    await sleep(settleMs);

    const finalStatus = await readFinalStatuses(monitor, workload.projectId);
    const windows = faults.flatMap((f) => (f.from !== undefined && f.to !== undefined ? [{ name: f.name, from: f.from, to: f.to + FAULT_WINDOW_TAIL_MS }] : []));
    const verdict = judge(workload.jobIds, finalStatus, fleet.ledgers(), workload.calls, windows);
    const heldJobsEnd: Record<string, number> = {};
    for (const id of faults.flatMap((f) => f.heldJobs ?? [])) {
      const s = (finalStatus.get(id) ?? "absent").toUpperCase();
      heldJobsEnd[s] = (heldJobsEnd[s] ?? 0) + 1;
    }
    const problems = faults.flatMap((f) => (f.problem ? [f.problem] : []));
    return {
      options,
      postgresMajor: bin.major,
      verdict,
      faults,
      heldJobsEnd,
      drain: { endedBy, seconds: drainSeconds },
      totalSeconds: (performance.now() - started) / 1000,
      problems,
      pass: verdict.clean && problems.length === 0,
      footprint: { folders: [dir, clusterDir], processGroups: groups.leaders },
    };
  } finally {
    progress.drained = true; // a fault still waiting for its moment gives up
    await monitor?.end().catch(() => undefined);
    await cluster?.stop();
    await groups.killAll();
    if (cluster && options.keepDir && existsSync(cluster.logFile)) copyFileSync(cluster.logFile, join(options.keepDir, "postgresql.log"));
    for (const d of [dir, clusterDir]) rmSync(d, { recursive: true, force: true });
    cleaned = true;
    unhook();
  }
}
