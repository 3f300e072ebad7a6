import { SYSTEMS, type SystemName } from "./queue-system.js";

/** The workloads, by the letter the issue gives them; (f), peak RSS, is read at the end of every run. */
export const WORKLOADS = ["a", "b", "c", "d", "e"] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

/** Sizes and switches of one bench run. */
export interface BenchOptions {
  readonly quick: boolean;
  /** Repetitions of every workload; the table shows their median and range. */
  readonly reps: number;
  readonly systems: readonly SystemName[];
  readonly workloads: readonly WorkloadName[];
  /** (a) single creates from one client, and from `concurrentClients` clients. */
  readonly singleSerialJobs: number;
  readonly singleConcurrentJobs: number;
  readonly concurrentClients: number;
  /** Single creates stop here even if unfinished; the figure is then the jobs created over this time. */
  readonly createDeadlineMs: number;
  /** (b) batch creates. */
  readonly batchTotalJobs: number;
  readonly batchSize: number;
  /** (c) end to end. */
  readonly drainJobs: number;
  readonly workerConcurrency: number;
  /** Jobs per claim in the batch variant of (c). */
  readonly drainBatch: number;
  /** A drain stops here even if unfinished; its figure is then the jobs done over this time. */
  readonly drainDeadlineMs: number;
  /** (d) pending-queue sizes, ascending, and claims timed at each. */
  readonly claimLevels: readonly number[];
  readonly claimSamples: number;
  /** Claim sampling at one level stops here (after at least 5 claims): a claim may take seconds on a long queue. */
  readonly claimDeadlineMs: number;
  /** (e) steady submission rates (one run each: well below saturation, where pickup is the wake-up path alone, and busy) and duration. */
  readonly pickupRates: readonly number[];
  readonly pickupSeconds: number;
  /** How long after the last submission the workers may still pick jobs up; later ones count as this late at least. */
  readonly pickupGraceMs: number;
  /** Where the WhatsNext server writes a V8 CPU profile; none when undefined. */
  readonly cpuProfileDir?: string;
}

const FULL: Omit<BenchOptions, "quick" | "systems" | "workloads" | "cpuProfileDir"> = {
  reps: 3,
  singleSerialJobs: 1000,
  singleConcurrentJobs: 4000,
  concurrentClients: 16,
  createDeadlineMs: 20_000,
  batchTotalJobs: 100_000,
  batchSize: 1000,
  drainJobs: 20_000,
  workerConcurrency: 8,
  drainBatch: 100,
  drainDeadlineMs: 30_000,
  claimLevels: [1000, 100_000, 1_000_000],
  claimSamples: 200,
  claimDeadlineMs: 10_000,
  pickupRates: [50, 500],
  pickupSeconds: 10,
  pickupGraceMs: 10_000,
};

/** One small round for CI smoke: every row, small sizes, one repetition. */
const QUICK: typeof FULL = {
  ...FULL,
  reps: 1,
  singleSerialJobs: 100,
  singleConcurrentJobs: 320,
  batchTotalJobs: 5000,
  drainJobs: 400,
  claimLevels: [1000, 10_000],
  claimSamples: 20,
  claimDeadlineMs: 5_000,
  pickupSeconds: 1,
  drainDeadlineMs: 15_000,
  createDeadlineMs: 10_000,
  pickupGraceMs: 5_000,
};

const USAGE = `usage: npm run bench -- [--quick] [--reps=N] [--systems=whatsnext,pg-boss,graphile-worker] [--workloads=a,b,c,d,e] [--cpu-prof[=dir]]`;

/** Parses the bench's command line; throws with the usage on an unknown flag. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let quick = false;
  let reps: number | undefined;
  let systems: SystemName[] = [...SYSTEMS];
  let workloads: WorkloadName[] = [...WORKLOADS];
  let cpuProfileDir: string | undefined;
  for (const arg of argv) {
    const [flag, value] = arg.split("=", 2) as [string, string | undefined];
    if (flag === "--quick") quick = true;
    else if (flag === "--reps" && value && /^[1-9]\d*$/.test(value)) reps = Number(value);
    else if (flag === "--systems" && value) systems = pick(value, SYSTEMS, "--systems");
    else if (flag === "--workloads" && value) workloads = pick(value, WORKLOADS, "--workloads");
    else if (flag === "--cpu-prof") cpuProfileDir = value ?? "bench/profiles";
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const sizes = quick ? QUICK : FULL;
  return { ...sizes, reps: reps ?? sizes.reps, quick, systems, workloads, cpuProfileDir };
}

function pick<T extends string>(value: string, allowed: readonly T[], flag: string): T[] {
  const items = value.split(",");
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`${flag}: ${item} is not one of ${allowed.join(", ")}\n${USAGE}`);
  return items as T[];
}
