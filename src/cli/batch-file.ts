/**
 * The file of `whatsnext jobs add-batch`: YAML or JSON, a list of jobs and/or
 * a grid (every combination of parameter values becomes one job), with
 * dependencies by name. Checked whole before anything is sent, so a typo in
 * item 9000 creates nothing.
 *
 * ```yaml
 * task: train                 # default task of every job
 * parameters: {epochs: 10}    # defaults merged under each job's parameters
 * priority: 0
 * max_attempts: 2
 * jobs:
 *   - name: prepare
 *     task: prepare-data
 * grid:                       # 3 × 2 = 6 jobs, each depending on "prepare"
 *   lr: [0.1, 0.01, 0.001]
 *   seed: [1, 2]
 * grid_depends_on: [prepare]
 * ```
 */
import { readFileSync } from "node:fs";
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { parse as parseYaml } from "yaml";
import { UsageError } from "./usage-error.js";

/** One job of the file, checked; dependencies split into earlier items' names and existing job ids. */
export interface BatchItem {
  name: string;
  task: string;
  parameters: JsonObject;
  priority: number;
  maxAttempts: number;
  idempotencyKey: string;
  dependsOnNames: string[];
  dependsOnIds: bigint[];
}

/** Most jobs a file may hold: a sanity bound, far above any sweep a person writes. */
export const MAX_BATCH_FILE_JOBS = 1_000_000;

const ITEM_KEYS = new Set(["name", "task", "parameters", "params", "priority", "max_attempts", "depends_on", "idempotency_key"]);
const TOP_KEYS = new Set(["task", "parameters", "params", "priority", "max_attempts", "jobs", "grid", "grid_depends_on", "name_template"]);

/** Reads and checks the file; throws UsageError naming the item and field at fault. */
export function readBatchFile(path: string): BatchItem[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let data: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both.
    data = parseYaml(text, { maxAliasCount: 10_000 });
  } catch (err) {
    throw new UsageError(`${path} is neither valid YAML nor JSON: ${(err as Error).message.split("\n")[0]}`);
  }
  return parseBatch(data, path);
}

/** Checks parsed data (a list of jobs, or a mapping with defaults, jobs and grid). */
export function parseBatch(data: unknown, where: string): BatchItem[] {
  const top: Record<string, unknown> = Array.isArray(data) ? { jobs: data } : isMapping(data) ? data : fail(`${where} must hold a list of jobs or a mapping with jobs: or grid:`);
  for (const key of Object.keys(top)) if (!TOP_KEYS.has(key)) fail(`${where}: unknown key ${key} (known: ${[...TOP_KEYS].join(", ")})`);
  const defaults = {
    task: optionalString(top.task, `${where}: task`),
    parameters: optionalObject(top.parameters ?? top.params, `${where}: parameters`) ?? {},
    priority: optionalInt(top.priority, `${where}: priority`) ?? 0,
    maxAttempts: optionalInt(top.max_attempts, `${where}: max_attempts`) ?? 0,
  };
  const items: BatchItem[] = [];
  const names = new Map<string, number>();
  const add = (item: BatchItem, label: string) => {
    if (item.name !== "") {
      if (names.has(item.name)) fail(`${label}: name ${JSON.stringify(item.name)} is used twice (items ${names.get(item.name)! + 1} and ${items.length + 1})`);
      names.set(item.name, items.length);
    }
    for (const dep of item.dependsOnNames) {
      if (!names.has(dep) || dep === item.name) fail(`${label}: depends_on ${JSON.stringify(dep)} names no earlier job of the file`);
    }
    items.push(item);
    if (items.length > MAX_BATCH_FILE_JOBS) fail(`${where} holds more than ${MAX_BATCH_FILE_JOBS} jobs`);
  };

  const jobs = top.jobs ?? [];
  if (!Array.isArray(jobs)) fail(`${where}: jobs must be a list`);
  jobs.forEach((raw: unknown, i: number) => {
    const label = `${where}: job ${i + 1}`;
    if (!isMapping(raw)) fail(`${label} must be a mapping with task, name, parameters …`);
    for (const key of Object.keys(raw)) if (!ITEM_KEYS.has(key)) fail(`${label}: unknown key ${key} (known: ${[...ITEM_KEYS].join(", ")})`);
    const task = optionalString(raw.task, `${label}: task`) ?? defaults.task;
    if (!task) fail(`${label}: task is required (or give a default task: at the top)`);
    const deps = dependencies(raw.depends_on, `${label}: depends_on`);
    add(
      {
        name: optionalString(raw.name, `${label}: name`) ?? "",
        task,
        parameters: { ...defaults.parameters, ...(optionalObject(raw.parameters ?? raw.params, `${label}: parameters`) ?? {}) },
        priority: optionalInt(raw.priority, `${label}: priority`) ?? defaults.priority,
        maxAttempts: optionalInt(raw.max_attempts, `${label}: max_attempts`) ?? defaults.maxAttempts,
        idempotencyKey: optionalString(raw.idempotency_key, `${label}: idempotency_key`) ?? "",
        ...deps,
      },
      label,
    );
  });

  if (top.grid !== undefined) {
    const grid = optionalObject(top.grid, `${where}: grid`)!;
    const task = defaults.task ?? fail(`${where}: grid needs a default task: at the top`);
    const axes = Object.entries(grid).map(([key, values]): [string, JsonValue[]] => {
      if (!Array.isArray(values) || values.length === 0) fail(`${where}: grid.${key} must be a non-empty list of values`);
      return [key, values as JsonValue[]];
    });
    const count = axes.reduce((n, [, values]) => n * values.length, 1);
    if (count > MAX_BATCH_FILE_JOBS) fail(`${where}: grid gives ${count} jobs, more than ${MAX_BATCH_FILE_JOBS}`);
    const template = optionalString(top.name_template, `${where}: name_template`);
    const deps = dependencies(top.grid_depends_on, `${where}: grid_depends_on`);
    for (const combination of cartesian(axes)) {
      const parameters = { ...defaults.parameters, ...combination };
      const name = template ? fillName(template, { task, ...parameters }) : `${task}-${Object.entries(combination).map(([k, v]) => `${k}=${valueText(v)}`).join("-")}`;
      add({ name, task, parameters, priority: defaults.priority, maxAttempts: defaults.maxAttempts, idempotencyKey: "", ...deps }, `${where}: grid job ${name}`);
    }
  }
  if (items.length === 0) fail(`${where} holds no jobs (give jobs: or grid:)`);
  return items;
}

function* cartesian(axes: Array<[string, JsonValue[]]>): Generator<JsonObject> {
  if (axes.length === 0) {
    yield {};
    return;
  }
  const [[key, values], ...rest] = axes as [[string, JsonValue[]], ...Array<[string, JsonValue[]]>];
  for (const value of values) for (const tail of cartesian(rest)) yield { [key]: value, ...tail };
}

function fillName(template: string, values: JsonObject): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, key: string) => (key in values ? valueText(values[key]!) : whole));
}

function valueText(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function dependencies(raw: unknown, label: string): { dependsOnNames: string[]; dependsOnIds: bigint[] } {
  const out = { dependsOnNames: [] as string[], dependsOnIds: [] as bigint[] };
  if (raw === undefined || raw === null) return out;
  const list = Array.isArray(raw) ? raw : [raw];
  for (const dep of list) {
    if (typeof dep === "string" && dep !== "") out.dependsOnNames.push(dep);
    else if (typeof dep === "number" && Number.isInteger(dep) && dep > 0) out.dependsOnIds.push(BigInt(dep));
    else fail(`${label} must list names of earlier jobs or job ids, got ${JSON.stringify(dep)}`);
  }
  return out;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown, label: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") fail(`${label} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function optionalInt(value: unknown, label: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) fail(`${label} must be a whole number, got ${JSON.stringify(value)}`);
  return value;
}

function optionalObject(value: unknown, label: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMapping(value)) fail(`${label} must be a mapping, got ${JSON.stringify(value)}`);
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

function fail(message: string): never {
  throw new UsageError(message);
}
