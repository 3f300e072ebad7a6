import { createHash } from "node:crypto";
import { InvalidArgumentError, LimitExceededError } from "../domain/errors.js";
import { SeededRandom } from "./seeded-random.js";

/** A JSON value of a parameter. */
export type ParameterValue = null | boolean | number | string | ParameterValue[] | { [key: string]: ParameterValue };
/** One parameter set: a job's parameters. */
export type ParameterSet = Record<string, ParameterValue>;

/** How one random parameter is drawn. */
export type RandomParameter =
  | { name: string; distribution: "uniform" | "log_uniform" | "int_uniform"; low: number; high: number }
  | { name: string; distribution: "choice"; values: ParameterValue[] };

/**
 * A sweep's spec, as stored (JSON): every combination of the grid's axes (the
 * last varies fastest), sets listed one by one, or `count` seeded random
 * draws. `base` is merged under every set.
 */
export type SweepSpec = { base: ParameterSet } & (
  | { kind: "grid"; axes: Array<{ name: string; values: ParameterValue[] }> }
  | { kind: "list"; sets: ParameterSet[] }
  | { kind: "random"; seed: string; count: number; parameters: RandomParameter[] }
);

/** Most parameter sets one spec may give: a sanity bound far above what a person sweeps. */
export const MAX_SWEEP_SETS = 100_000;

/** A parameter set ready to be a job: its parameters, a name, and its canonical hash. */
export interface ExpandedSet {
  readonly parameters: ParameterSet;
  /** What varies, for the job's name: "lr=0.1-seed=3". */
  readonly label: string;
  readonly hash: string;
}

/** JSON with object keys sorted at every level: equal parameter sets give equal text, whatever the order they were written in. */
export function canonicalJson(value: ParameterValue | undefined): string {
  if (value === null || value === undefined || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
    .join(",")}}`;
}

/** The SHA-256 of the canonical JSON, hex: how sets (and specs) are compared. */
export function canonicalHash(value: ParameterValue | Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson(value as ParameterValue)).digest("hex");
}

function valueText(v: ParameterValue): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" && !Number.isInteger(v)) return String(Number(v.toPrecision(6)));
  return JSON.stringify(v);
}

/** How many sets the spec gives, before expanding it. */
export function setCount(spec: SweepSpec): number {
  switch (spec.kind) {
    case "grid":
      return spec.axes.reduce((n, a) => n * a.values.length, 1);
    case "list":
      return spec.sets.length;
    case "random":
      return spec.count;
  }
}

/**
 * Checks a spec, naming the field at fault: axis and parameter names present
 * and distinct, values present, ranges ordered (log-uniform above 0), a count
 * and a size within MAX_SWEEP_SETS.
 */
export function checkSweepSpec(spec: SweepSpec, field = "spec"): void {
  const distinct = (names: string[], where: string) => {
    names.forEach((name, i) => {
      if (name.trim() === "") throw new InvalidArgumentError(`${field}.${where}[${i}].name`, "must not be empty");
      if (names.indexOf(name) !== i) throw new InvalidArgumentError(`${field}.${where}[${i}].name`, `repeats ${JSON.stringify(name)}`);
    });
  };
  switch (spec.kind) {
    case "grid":
      if (spec.axes.length === 0) throw new InvalidArgumentError(`${field}.grid.axes`, "must have at least one axis");
      distinct(
        spec.axes.map((a) => a.name),
        "grid.axes",
      );
      spec.axes.forEach((a, i) => {
        if (a.values.length === 0) throw new InvalidArgumentError(`${field}.grid.axes[${i}].values`, `must list at least one value for ${JSON.stringify(a.name)}`);
      });
      break;
    case "list":
      if (spec.sets.length === 0) throw new InvalidArgumentError(`${field}.list.parameter_sets`, "must list at least one set");
      break;
    case "random":
      if (!Number.isInteger(spec.count) || spec.count < 1) throw new InvalidArgumentError(`${field}.random.count`, `must be at least 1, got ${spec.count}`);
      if (spec.parameters.length === 0) throw new InvalidArgumentError(`${field}.random.parameters`, "must have at least one parameter");
      distinct(
        spec.parameters.map((p) => p.name),
        "random.parameters",
      );
      spec.parameters.forEach((p, i) => {
        const at = `${field}.random.parameters[${i}]`;
        if (p.distribution === "choice") {
          if (p.values.length === 0) throw new InvalidArgumentError(`${at}.choice`, `must list at least one value for ${JSON.stringify(p.name)}`);
          return;
        }
        if (!Number.isFinite(p.low) || !Number.isFinite(p.high)) throw new InvalidArgumentError(`${at}.${p.distribution}`, "low and high must be finite numbers");
        if (p.distribution === "int_uniform" && (!Number.isInteger(p.low) || !Number.isInteger(p.high))) {
          throw new InvalidArgumentError(`${at}.int_uniform`, `low and high must be whole numbers, got ${p.low} and ${p.high}`);
        }
        if (p.distribution === "int_uniform" ? p.low > p.high : p.low >= p.high) {
          throw new InvalidArgumentError(`${at}.${p.distribution}`, `low must be below high, got ${p.low} and ${p.high}`);
        }
        if (p.distribution === "log_uniform" && p.low <= 0) throw new InvalidArgumentError(`${at}.log_uniform`, `low must be above 0, got ${p.low}`);
      });
      break;
  }
  const count = setCount(spec);
  if (count > MAX_SWEEP_SETS) throw new LimitExceededError(`${field} gives ${count} parameter sets, more than ${MAX_SWEEP_SETS}`, undefined, "SWEEP_TOO_LARGE");
}

function* grid(axes: Array<{ name: string; values: ParameterValue[] }>): Generator<ParameterSet> {
  if (axes.length === 0) {
    yield {};
    return;
  }
  const [first, ...rest] = axes as [{ name: string; values: ParameterValue[] }, ...Array<{ name: string; values: ParameterValue[] }>];
  for (const value of first.values) for (const tail of grid(rest)) yield { [first.name]: value, ...tail };
}

function* draws(spec: Extract<SweepSpec, { kind: "random" }>): Generator<ParameterSet> {
  const random = new SeededRandom(BigInt(spec.seed));
  for (let i = 0; i < spec.count; i++) {
    const set: ParameterSet = {};
    for (const p of spec.parameters) {
      const u = random.next();
      switch (p.distribution) {
        case "uniform":
          set[p.name] = p.low + u * (p.high - p.low);
          break;
        case "log_uniform":
          set[p.name] = Math.exp(Math.log(p.low) + u * (Math.log(p.high) - Math.log(p.low)));
          break;
        case "int_uniform":
          set[p.name] = p.low + Math.floor(u * (p.high - p.low + 1));
          break;
        case "choice":
          set[p.name] = p.values[Math.floor(u * p.values.length)]!;
          break;
      }
    }
    yield set;
  }
}

/**
 * The distinct parameter sets of a spec, in spec order, each with its label
 * and canonical hash; a set given twice (a list repeating itself, a random
 * choice drawn again) is kept once. `base` is merged under each set.
 */
export function expandSweep(spec: SweepSpec): ExpandedSet[] {
  const source = spec.kind === "grid" ? grid(spec.axes) : spec.kind === "list" ? spec.sets[Symbol.iterator]() : draws(spec);
  const seen = new Set<string>();
  const out: ExpandedSet[] = [];
  for (const own of source) {
    const parameters = { ...spec.base, ...own };
    const hash = canonicalHash(parameters);
    if (seen.has(hash)) continue;
    seen.add(hash);
    const label = Object.entries(own)
      .map(([k, v]) => `${k}=${valueText(v)}`)
      .join("-");
    out.push({ parameters, label, hash });
  }
  return out;
}
