/**
 * The file of `whatsnext sweep create|extend`: the grid form of a batch file
 * (see batch-file.ts) for one task, or its `list:` and `random:` forms. It is
 * checked whole before anything is sent, and every mistake names its line,
 * because a sweep file is edited by hand and extended over weeks.
 *
 * ```yaml
 * name: lr-sweep              # the sweep's name (default: the file's base name)
 * task: train
 * parameters: {epochs: 10}    # merged under every set
 * priority: 0
 * max_attempts: 2
 * grid:                       # every combination: 3 × 2 jobs
 *   lr: [0.1, 0.01, 0.001]
 *   seed: [1, 2]
 * # or: list of parameter sets
 * list:
 *   - {lr: 0.1, seed: 1}
 * # or: seeded random draws
 * random:
 *   seed: 7                   # default 0; the same seed gives the same draws
 *   count: 200
 *   parameters:
 *     lr: {log_uniform: [1.0e-5, 1.0e-1]}
 *     dropout: {uniform: [0, 0.5]}
 *     layers: {int_uniform: [2, 8]}    # both ends included
 *     optimizer: [adam, sgd]           # a list is a choice
 * ```
 */
import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import type { JsonObject } from "@bufbuild/protobuf";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { SweepSpec as SweepSpecMessage } from "../../gen/whatsnext/v1/sweep_pb.js";
import { MAX_SWEEP_SETS, type ParameterSet, type ParameterValue, type RandomParameter, type SweepSpec } from "../queue/sweep-expansion.js";
import { sweepSpecToProto } from "../services/sweep-spec-convert.js";
import { UsageError } from "./usage-error.js";

/** A checked sweep file. */
export interface SweepFile {
  path: string;
  name: string;
  task: string;
  priority: number;
  /** 0: the server's default. */
  maxAttempts: number;
  /** The spec as sent. */
  spec: SweepSpecMessage;
  /** The same spec in the form the server expands (for --dry-run). */
  domainSpec: SweepSpec;
}

const TOP_KEYS = ["name", "task", "parameters", "params", "priority", "max_attempts", "grid", "list", "random"];
const RANDOM_KEYS = ["seed", "count", "parameters"];
/** Keys of batch files (batch-file.ts) that a sweep has no use for: named so the error can say where they belong. */
const BATCH_ONLY_KEYS = ["jobs", "grid_depends_on", "name_template"];
const DISTRIBUTIONS = ["uniform", "log_uniform", "int_uniform", "choice"] as const;
type Path = Array<string | number>;

/** Reads and checks the file; throws a UsageError naming the file, the line and the field. */
export function readSweepFile(path: string): SweepFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseSweepFile(text, path);
}

/** Checks the text of a sweep file (YAML or JSON); `path` names it in errors and gives the default name. */
export function parseSweepFile(text: string, path: string): SweepFile {
  const lines = new LineCounter();
  // YAML is a superset of JSON, so one parser reads both.
  const doc = parseDocument(text, { lineCounter: lines });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line;
    throw new UsageError(`${path}${line ? `:${line}` : ""}: not valid YAML or JSON: ${syntax.message.split("\n")[0]}`);
  }
  return new SweepFileChecker(doc, lines, path).check();
}

class SweepFileChecker {
  private readonly data: unknown;

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly path: string,
  ) {
    this.data = doc.toJS({ maxAliasCount: 10_000 });
  }

  check(): SweepFile {
    const top = this.data;
    if (!isMapping(top)) this.fail([], "must be a mapping with task: and one of grid:, list: or random:");
    for (const key of BATCH_ONLY_KEYS) {
      if (key in top) this.fail([key], `belongs to batch files (whatsnext jobs add-batch); a sweep's jobs are its parameter sets, named after them`, true);
    }
    this.knownKeys(top, [], TOP_KEYS);
    const task = this.text(top.task, ["task"]);
    if (!task) this.fail([], "needs task: (the task every job of the sweep runs)");
    const name = this.text(top.name, ["name"]) ?? defaultName(this.path);
    if (name.trim() === "" || name.length > 128) this.fail(["name"], `must be 1 to 128 characters, got ${JSON.stringify(name)}`);
    const baseKey = top.parameters !== undefined ? "parameters" : "params";
    const base = (this.mapping(top[baseKey], [baseKey]) ?? {}) as ParameterSet;
    const priority = this.whole(top.priority, ["priority"], -(2 ** 31), 2 ** 31 - 1) ?? 0;
    const maxAttempts = this.whole(top.max_attempts, ["max_attempts"], 1, 2 ** 31 - 1) ?? 0;
    const forms = (["grid", "list", "random"] as const).filter((k) => top[k] !== undefined);
    if (forms.length !== 1) {
      if (forms.length === 0) this.fail([], "needs one of grid:, list: or random:");
      this.fail([forms[1]!], `a sweep is one of grid:, list: or random:, and this file also has ${forms[0]}:`, true);
    }
    const domainSpec = forms[0] === "grid" ? this.grid(top.grid, base) : forms[0] === "list" ? this.list(top.list, base) : this.random(top.random, base);
    return { path: this.path, name, task, priority, maxAttempts, spec: sweepSpecToProto(domainSpec), domainSpec };
  }

  private grid(raw: unknown, base: ParameterSet): SweepSpec {
    const grid = this.mapping(raw, ["grid"])!;
    const axes = Object.entries(grid).map(([name, values]) => {
      if (!Array.isArray(values) || values.length === 0) this.fail(["grid", name], "must be a non-empty list of values");
      return { name, values: values as ParameterValue[] };
    });
    if (axes.length === 0) this.fail(["grid"], "must name at least one parameter with its values");
    const count = axes.reduce((n, a) => n * a.values.length, 1);
    if (count > MAX_SWEEP_SETS) this.fail(["grid"], `gives ${count} parameter sets, more than ${MAX_SWEEP_SETS}`);
    return { kind: "grid", base, axes };
  }

  private list(raw: unknown, base: ParameterSet): SweepSpec {
    if (!Array.isArray(raw) || raw.length === 0) this.fail(["list"], "must be a non-empty list of parameter sets");
    if (raw.length > MAX_SWEEP_SETS) this.fail(["list"], `has ${raw.length} parameter sets, more than ${MAX_SWEEP_SETS}`);
    const sets = raw.map((set, i) => this.mapping(set, ["list", i]) ?? this.fail(["list", i], "must be a mapping of parameters, not empty"));
    return { kind: "list", base, sets: sets as ParameterSet[] };
  }

  private random(raw: unknown, base: ParameterSet): SweepSpec {
    const random = this.mapping(raw, ["random"])!;
    this.knownKeys(random, ["random"], RANDOM_KEYS);
    const seed = this.whole(random.seed, ["random", "seed"], 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const count = this.whole(random.count, ["random", "count"], 1, MAX_SWEEP_SETS);
    if (count === undefined) this.fail(["random"], "needs count: (how many parameter sets to draw)", true);
    const params = this.mapping(random.parameters, ["random", "parameters"]);
    if (!params || Object.keys(params).length === 0) this.fail(["random"], "needs parameters: (each with uniform, log_uniform, int_uniform or choice)", true);
    const parameters = Object.entries(params).map(([name, d]) => this.distribution(name, d));
    return { kind: "random", base, seed: String(seed), count, parameters };
  }

  private distribution(name: string, raw: unknown): RandomParameter {
    const at: Path = ["random", "parameters", name];
    if (Array.isArray(raw)) return this.distribution(name, { choice: raw });
    const usage = `must be {uniform: [low, high]}, {log_uniform: [low, high]}, {int_uniform: [low, high]}, {choice: [values…]} or a list of values`;
    if (!isMapping(raw)) this.fail(at, usage);
    const keys = Object.keys(raw);
    if (keys.length !== 1 || !(DISTRIBUTIONS as readonly string[]).includes(keys[0]!)) this.fail(at, `${usage}, got ${JSON.stringify(raw)}`);
    const kind = keys[0] as (typeof DISTRIBUTIONS)[number];
    const value = raw[kind];
    const where: Path = [...at, kind];
    if (kind === "choice") {
      if (!Array.isArray(value) || value.length === 0) this.fail(where, "must be a non-empty list of values");
      return { name, distribution: "choice", values: value as ParameterValue[] };
    }
    if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === "number" && Number.isFinite(v))) {
      this.fail(where, `must be [low, high], two numbers, got ${JSON.stringify(value)}`);
    }
    const [low, high] = value as [number, number];
    if (kind === "int_uniform") {
      if (!Number.isInteger(low) || !Number.isInteger(high)) this.fail(where, `low and high must be whole numbers, got ${low} and ${high}`);
      if (low > high) this.fail(where, `low must not be above high, got ${low} and ${high}`);
    } else if (low >= high) this.fail(where, `low must be below high, got ${low} and ${high}`);
    if (kind === "log_uniform" && low <= 0) this.fail(where, `low must be above 0, got ${low}`);
    return { name, distribution: kind, low, high };
  }

  private knownKeys(obj: Record<string, unknown>, at: Path, known: string[]): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.fail([...at, key], `unknown key (known: ${known.join(", ")})`, true);
    }
  }

  private text(value: unknown, at: Path): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number") return String(value);
    if (typeof value !== "string") this.fail(at, `must be a string, got ${JSON.stringify(value)}`);
    return value;
  }

  private whole(value: unknown, at: Path, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      this.fail(at, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  private mapping(value: unknown, at: Path): JsonObject | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isMapping(value)) this.fail(at, `must be a mapping, got ${JSON.stringify(value)}`);
    return value as JsonObject;
  }

  /** Throws naming the file, the line of `at` (of its key when `onKey`) and the field. */
  private fail(at: Path, message: string, onKey = false): never {
    const line = this.lineOf(at, onKey);
    const field = at.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
    throw new UsageError(`${this.path}${line ? `:${line}` : ""}: ${field ? `${field}: ` : ""}${message}`);
  }

  /** The line of the node at `at`: the deepest part of the path that exists. */
  private lineOf(at: Path, onKey: boolean): number | undefined {
    let node: unknown = this.doc.contents;
    let range: readonly number[] | undefined = (node as Node | null)?.range ?? undefined;
    for (const part of at) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
        if (!pair) break;
        const key = pair.key as Node;
        node = pair.value;
        range = onKey && part === at[at.length - 1] ? key.range ?? undefined : ((node as Node | null)?.range ?? key.range ?? undefined);
      } else if (isSeq(node) && typeof part === "number") {
        node = node.items[part];
        range = (node as Node | null)?.range ?? range;
      } else break;
    }
    return range ? this.lines.linePos(range[0]!).line : undefined;
  }
}

/** The sweep's name when the file gives none: its base name without .yaml/.yml/.json. */
export function defaultName(path: string): string {
  const ext = extname(path);
  return [".yaml", ".yml", ".json"].includes(ext.toLowerCase()) ? basename(path, ext) : basename(path);
}


function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
