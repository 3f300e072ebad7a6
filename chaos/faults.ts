import { setTimeout as sleep } from "node:timers/promises";
import type { RestartMode, TemporaryCluster } from "./postgres-cluster.js";
import type { Replica } from "./replica.js";
import { executionsOf } from "./verdict.js";
import type { FleetProcess, WorkerFleet } from "./worker-fleet.js";
import { readLedger } from "./ledger.js";

/** What injecting one fault did. */
export interface FaultOutcome {
  readonly name: string;
  /** Jobs ended (COMPLETED, FAILED, BLOCKED, CANCELLED) when it was injected; unset when the drain ended first. */
  readonly atEnded?: number;
  /** Date.now() when its injection began and when the system was whole again. */
  readonly from?: number;
  readonly to?: number;
  /** What happened, for the table. */
  readonly detail: string;
  /** Jobs the SIGKILLed worker held (claimed, not finished), whose end the table reports. */
  readonly heldJobs?: readonly number[];
  /** Why the fault does not count (the replica never came back, …); the run fails with it. */
  readonly problem?: string;
}

/** The parts of a run a fault acts on. */
export interface FaultTargets {
  readonly fleet: WorkerFleet;
  readonly replicas: readonly [Replica, Replica];
  readonly cluster: TemporaryCluster;
  readonly replicaDownMs: number;
}

/** A fault: its name, and how to inject it and wait for the system to be whole again. */
export interface Fault {
  readonly name: string;
  /** The share of jobs ended at which it is injected. */
  readonly at: number;
  inject(t: FaultTargets): Promise<Omit<FaultOutcome, "name" | "atEnded" | "from" | "to">>;
}

/** How long a replica may take to answer again after a fault before the run counts it as not recovered. */
const RECOVERY_TIMEOUT_MS = 60_000;

/** Jobs the process's ledger shows claimed and neither finished nor dropped. */
function heldBy(p: FleetProcess): number[] {
  return executionsOf([{ label: p.label, records: readLedger(p.ledgerFile) }])
    .filter((e) => e.finish === undefined && e.drop === undefined)
    .map((e) => e.job);
}

/** SIGKILL to the first worker process, at a moment its ledger shows it holding a job; a replacement runs its loop slots. */
const killWorker: Fault = {
  name: "SIGKILL a worker process",
  at: 0.1,
  async inject({ fleet }) {
    const victim = fleet.processes.find((p) => p.killedAt === undefined)!;
    // Its loops hold a job nearly all the time; look for one in hand so the kill is mid-job, not between jobs.
    for (let i = 0; i < 100 && heldBy(victim).length === 0; i++) await sleep(2);
    await fleet.kill(victim);
    const held = heldBy(victim);
    await fleet.replace(victim);
    return {
      detail: `${victim.label} (${victim.slots.length} loops) killed holding ${held.length} job(s); a replacement took its loop slots`,
      heldJobs: held,
      ...(held.length === 0 ? { problem: "the killed worker held no job: the fault was not mid-job" } : {}),
    };
  },
};

/** SIGKILL to replica A, down for replicaDownMs (clients move to B), then started again on its port. */
const killReplica: Fault = {
  name: "SIGKILL a replica, restart it",
  at: 0.25,
  async inject({ replicas, replicaDownMs }) {
    const [a, b] = replicas;
    await a.kill();
    await sleep(replicaDownMs);
    const startMs = await a.start();
    let problem: string | undefined;
    await b.waitAnswering(RECOVERY_TIMEOUT_MS).catch((err: unknown) => (problem = `replica ${b.name} stopped answering: ${String(err)}`));
    return { detail: `${a.name} down ${replicaDownMs} ms, answering ${(startMs / 1000).toFixed(1)} s after its restart`, ...(problem ? { problem } : {}) };
  },
};

/** `pg_ctl restart -m <mode>`, then the time until each replica answers again by itself. */
function restartPostgres(mode: RestartMode, at: number): Fault {
  return {
    name: `pg_ctl restart -m ${mode}`,
    at,
    async inject({ cluster, replicas }) {
      const restartMs = await cluster.restart(mode);
      const problems: string[] = [];
      const recovered = await Promise.all(
        replicas.map((r) =>
          r.waitAnswering(RECOVERY_TIMEOUT_MS).then(
            (ms) => `${r.name} ${(ms / 1000).toFixed(1)} s`,
            (err: unknown) => {
              problems.push(`replica ${r.name} did not recover by itself: ${String(err)}`);
              return `${r.name} not recovered`;
            },
          ),
        ),
      );
      return { detail: `restart took ${(restartMs / 1000).toFixed(1)} s; answering again after: ${recovered.join(", ")}`, ...(problems.length ? { problem: problems.join("; ") } : {}) };
    },
  };
}

/** The faults of a run, in the order they are injected; each waits for the one before it to recover. */
export const FAULTS: readonly Fault[] = [killWorker, killReplica, restartPostgres("fast", 0.45), restartPostgres("immediate", 0.65)];
