/**
 * A chaos worker process: runs its share of the worker loops and writes
 * their ledger. Started by the harness as
 * `node --import tsx chaos/worker-process.ts '<WorkerProcessPlan JSON>'` in
 * a process group of its own, so that a SIGKILL ends it mid-job with no
 * handler run. Told to stop over IPC ({ op: "stop" }), it lets each loop
 * finish the job in hand, answers { stopped: true } and exits.
 */
import { LedgerWriter, type Stack } from "./ledger.js";
import { WorkerLoop } from "./worker-loop.js";

/** What the harness hands a worker process (JSON; the project id as a string). */
export interface WorkerProcessPlan {
  readonly ledgerFile: string;
  readonly projectId: string;
  readonly replicaUrls: [string, string];
  readonly loops: ReadonlyArray<{ readonly workerId: string; readonly stack: Stack; readonly firstReplica: 0 | 1 }>;
  readonly workMinMs: number;
  readonly workMaxMs: number;
  readonly waitSeconds: number;
  readonly retryBudgetMs: number;
}

const plan = JSON.parse(process.argv[2] ?? "null") as WorkerProcessPlan | null;
if (!plan) {
  process.stderr.write("usage: worker-process.ts '<WorkerProcessPlan JSON>'\n");
  process.exit(2);
}
const ledger = new LedgerWriter(plan.ledgerFile);
const loops = plan.loops.map(
  (l) =>
    new WorkerLoop(
      {
        ...l,
        replicaUrls: plan.replicaUrls,
        projectId: BigInt(plan.projectId),
        workMinMs: plan.workMinMs,
        workMaxMs: plan.workMaxMs,
        waitSeconds: plan.waitSeconds,
        retryBudgetMs: plan.retryBudgetMs,
      },
      ledger,
    ),
);
const running = Promise.all(loops.map((l) => l.run()));

process.on("message", (m: { op?: string }) => {
  if (m.op !== "stop") return;
  for (const l of loops) l.stop();
  void running.then(() => {
    ledger.close();
    process.send?.({ stopped: true }, () => process.exit(0));
  });
});
// The harness went away: nothing will tell this process to stop.
process.on("disconnect", () => process.exit(1));
process.send?.({ ready: true });
