/** How big a chaos run is and how long each part of it may take. */
export interface ChaosOptions {
  /** Jobs created (through BatchCreateJobs) and drained. */
  readonly jobs: number;
  /** Worker loops in all, spread evenly over the worker processes. */
  readonly loops: number;
  /** Worker child processes (one of them is SIGKILLed mid-job). */
  readonly workerProcesses: number;
  /** Simulated work per job: a pause drawn evenly from [min, max] ms. */
  readonly workMinMs: number;
  readonly workMaxMs: number;
  /** Every dependencyEvery-th job of a batch depends on the job before it (0: none). */
  readonly dependencyEvery: number;
  /** The servers' WHATSNEXT_LEASE_SECONDS: how soon a killed worker's jobs may come back. */
  readonly leaseSeconds: number;
  /** The servers' WHATSNEXT_REAPER_INTERVAL_MS. */
  readonly reaperIntervalMs: number;
  /** How long the SIGKILLed replica stays down before it is started again. */
  readonly replicaDownMs: number;
  /** The drain ends unfinished after this long. */
  readonly drainDeadlineMs: number;
  /** The drain ends unfinished when no job has ended for this long. */
  readonly stallMs: number;
  /** Where to keep the server and PostgreSQL logs and the ledgers; a temporary folder (removed) when unset. */
  readonly keepDir?: string;
}

/** `npm run chaos`: the size the reliability issue asks for. */
export const FULL_RUN: ChaosOptions = {
  jobs: 20_000,
  loops: 32,
  workerProcesses: 4,
  workMinMs: 2,
  workMaxMs: 8,
  dependencyEvery: 10,
  leaseSeconds: 5,
  reaperIntervalMs: 250,
  replicaDownMs: 2000,
  drainDeadlineMs: 30 * 60_000,
  stallMs: 60_000,
};

/**
 * The form `npm test` runs: fewer jobs and loops, and work long enough that
 * the drain outlasts the four faults (each waits for the one before it to
 * recover).
 */
export const SHORT_RUN: ChaosOptions = {
  ...FULL_RUN,
  jobs: 1000,
  loops: 8,
  workerProcesses: 2,
  workMinMs: 40,
  workMaxMs: 80,
  drainDeadlineMs: 4 * 60_000,
  stallMs: 45_000,
};

const NUMERIC_FLAGS: Record<string, keyof ChaosOptions> = {
  "--jobs": "jobs",
  "--loops": "loops",
  "--worker-processes": "workerProcesses",
  "--work-min-ms": "workMinMs",
  "--work-max-ms": "workMaxMs",
  "--dependency-every": "dependencyEvery",
  "--lease-seconds": "leaseSeconds",
  "--reaper-interval-ms": "reaperIntervalMs",
  "--replica-down-ms": "replicaDownMs",
  "--drain-deadline-ms": "drainDeadlineMs",
  "--stall-ms": "stallMs",
};

/** Thrown for a flag the harness does not know or a value it cannot use; the message names it. */
export class ChaosUsageError extends Error {
  override name = "ChaosUsageError";
}

/**
 * `--short` starts from SHORT_RUN instead of FULL_RUN; `--name=N` or
 * `--name N` overrides one number; `--keep DIR` keeps logs and ledgers.
 */
export function parseChaosArgs(argv: readonly string[]): ChaosOptions {
  const args = argv.flatMap((a) => (a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a]));
  let options: Record<string, unknown> = { ...(args.includes("--short") ? SHORT_RUN : FULL_RUN) };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    if (flag === "--short") continue;
    if (flag === "--keep") {
      const dir = args[++i];
      if (!dir) throw new ChaosUsageError("--keep needs a folder");
      options.keepDir = dir;
      continue;
    }
    const key = NUMERIC_FLAGS[flag];
    if (!key) throw new ChaosUsageError(`unknown argument ${flag} (known: --short, --keep DIR, ${Object.keys(NUMERIC_FLAGS).join(", ")})`);
    const text = args[++i];
    const value = Number(text);
    if (text === undefined || !Number.isInteger(value) || value < 0) throw new ChaosUsageError(`${flag} must be a whole number >= 0, got ${JSON.stringify(text ?? "")}`);
    options = { ...options, [key]: value };
  }
  return checkChaosOptions(options as unknown as ChaosOptions);
}

/** Refuses combinations that cannot run, naming the option. */
export function checkChaosOptions(o: ChaosOptions): ChaosOptions {
  if (o.jobs < 1) throw new ChaosUsageError(`jobs must be at least 1, got ${o.jobs}`);
  if (o.workerProcesses < 2) throw new ChaosUsageError(`worker processes must be at least 2 (one is killed), got ${o.workerProcesses}`);
  if (o.loops < o.workerProcesses) throw new ChaosUsageError(`loops (${o.loops}) must be at least the worker processes (${o.workerProcesses})`);
  if (o.workMaxMs < o.workMinMs) throw new ChaosUsageError(`work max (${o.workMaxMs} ms) must be at least work min (${o.workMinMs} ms)`);
  if (o.leaseSeconds < 1) throw new ChaosUsageError(`lease seconds must be at least 1, got ${o.leaseSeconds}`);
  if (o.reaperIntervalMs < 10) throw new ChaosUsageError(`reaper interval must be at least 10 ms, got ${o.reaperIntervalMs}`);
  return o;
}
