import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readLedger, STACKS } from "./ledger.js";
import type { ProcessGroups } from "./process-groups.js";
import type { ProcessLedger } from "./verdict.js";
import type { WorkerProcessPlan } from "./worker-process.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** One worker child process of the fleet. */
export interface FleetProcess {
  readonly label: string;
  readonly child: ChildProcess;
  readonly ledgerFile: string;
  /** The loop slots (global loop numbers) it runs. */
  readonly slots: readonly number[];
  killedAt?: number;
}

/** What every worker process of a run shares. */
export interface FleetSettings {
  readonly runTag: string;
  readonly ledgerDir: string;
  readonly replicaUrls: [string, string];
  readonly projectId: bigint;
  readonly loops: number;
  readonly processes: number;
  readonly workMinMs: number;
  readonly workMaxMs: number;
}

/**
 * The worker processes: loop slot g runs on stack g mod 3 and starts on
 * replica g mod 2, and process n of P holds the slots g with g mod P = n, so
 * that every process mixes all stacks and both replicas. A process killed by
 * a fault is replaced by one running the same slots under new worker ids.
 */
export class WorkerFleet {
  readonly processes: FleetProcess[] = [];

  constructor(
    private readonly settings: FleetSettings,
    private readonly groups: ProcessGroups,
  ) {}

  /** Starts every process of the fleet and waits until all their loops are running. */
  async startAll(): Promise<void> {
    const { loops, processes } = this.settings;
    for (let n = 0; n < processes; n++) await this.start(Array.from({ length: loops }, (_, g) => g).filter((g) => g % processes === n));
  }

  /** Starts a process running the loop slots of a killed one, under new worker ids. */
  replace(killed: FleetProcess): Promise<FleetProcess> {
    return this.start(killed.slots);
  }

  private async start(slots: readonly number[]): Promise<FleetProcess> {
    const s = this.settings;
    const label = `p${this.processes.length}`;
    const plan: WorkerProcessPlan = {
      ledgerFile: join(s.ledgerDir, `ledger-${label}.jsonl`),
      projectId: String(s.projectId),
      replicaUrls: s.replicaUrls,
      loops: slots.map((g) => ({ workerId: `chaos-${s.runTag}-${label}-${g}`, stack: STACKS[g % STACKS.length]!, firstReplica: (g % 2) as 0 | 1 })),
      workMinMs: s.workMinMs,
      workMaxMs: s.workMaxMs,
      waitSeconds: 2,
      retryBudgetMs: 60_000,
    };
    const child = this.groups.spawn(process.execPath, ["--import", "tsx", "chaos/worker-process.ts", JSON.stringify(plan)], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    await new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve());
      child.once("exit", (code, signal) => reject(new Error(`worker process ${label} exited with ${code ?? signal} while starting`)));
    });
    const p: FleetProcess = { label, child, ledgerFile: plan.ledgerFile, slots };
    this.processes.push(p);
    return p;
  }

  /** SIGKILL to a process's group (no handler runs); records when it was certainly dead. */
  async kill(p: FleetProcess): Promise<void> {
    await this.groups.kill(p.child);
    p.killedAt = Date.now();
  }

  /** Asks every live process to stop after its jobs in hand; kills one that has not within timeoutMs. */
  async stopAll(timeoutMs: number): Promise<void> {
    await Promise.all(
      this.processes
        .filter((p) => p.killedAt === undefined && p.child.exitCode === null && p.child.signalCode === null)
        .map(async (p) => {
          const exited = new Promise<void>((r) => p.child.once("exit", () => r()));
          p.child.send({ op: "stop" });
          const timer = setTimeout(() => void this.groups.kill(p.child), timeoutMs);
          await exited;
          clearTimeout(timer);
        }),
    );
  }

  /** Every process's ledger as it is on disk now. */
  ledgers(): ProcessLedger[] {
    return this.processes.map((p) => ({ label: p.label, records: readLedger(p.ledgerFile), ...(p.killedAt !== undefined ? { killedAt: p.killedAt } : {}) }));
  }
}
