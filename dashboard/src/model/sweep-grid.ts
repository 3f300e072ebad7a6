import type { JsonValue } from "@bufbuild/protobuf";
import type { JobStatus } from "../../../gen/whatsnext/v1/common_pb.js";
import type { Job } from "../../../gen/whatsnext/v1/job_pb.js";
import { mostNotable } from "./job-status.js";
import { compareValues, formatValue } from "./parameters.js";

/** A parameter that takes more than one value among the jobs, with its values in order. */
export interface VaryingParameter {
  readonly key: string;
  readonly values: readonly (JsonValue | undefined)[];
}

/** One cell of the grid: the jobs at this x (and y) value, and the status that stands for them. */
export interface SweepCell {
  readonly jobs: readonly Job[];
  readonly status: JobStatus | undefined;
}

/** A sweep laid out on one or two of its varying parameters. */
export interface SweepGrid {
  readonly varying: readonly VaryingParameter[];
  readonly x: VaryingParameter | undefined;
  readonly y: VaryingParameter | undefined;
  /** rows[yIndex][xIndex]; one row when there is no y axis. */
  readonly rows: readonly (readonly SweepCell[])[];
  /** Jobs left out: without an axis' parameter, or cut by the fixed values of the others. */
  readonly hidden: number;
}

/** What the person chose: the axes, and a value for some of the other varying parameters. */
export interface SweepLayout {
  readonly x?: string;
  readonly y?: string;
  /** Parameter key → the value (as formatValue writes it) the grid is cut at. */
  readonly fixed: ReadonlyMap<string, string>;
}

const valueKey = (v: JsonValue | undefined) => JSON.stringify(v);

/**
 * The parameters that take more than one value among the jobs that have
 * them, most values first, then by name. A job without a parameter (a
 * report job beside the sweep) does not make it vary.
 */
export function varyingParameters(jobs: readonly Job[]): VaryingParameter[] {
  const values = new Map<string, Map<string, JsonValue>>();
  for (const j of jobs) {
    for (const [key, v] of Object.entries(j.parameters ?? {})) {
      if (v === undefined) continue;
      let seen = values.get(key);
      if (!seen) values.set(key, (seen = new Map()));
      seen.set(valueKey(v), v);
    }
  }
  const varying: VaryingParameter[] = [];
  for (const [key, seen] of values) if (seen.size > 1) varying.push({ key, values: [...seen.values()].sort(compareValues) });
  return varying.sort((a, b) => b.values.length - a.values.length || a.key.localeCompare(b.key));
}

/**
 * Lays the jobs out on a grid: one varying parameter per axis (the first
 * two unless chosen), the others either fixed at a chosen value or folded
 * into the cells, whose colour is the most notable status among their jobs.
 */
export function sweepGrid(jobs: readonly Job[], layout: SweepLayout): SweepGrid {
  const varying = varyingParameters(jobs);
  const byKey = new Map(varying.map((v) => [v.key, v]));
  const x = (layout.x !== undefined ? byKey.get(layout.x) : undefined) ?? varying[0];
  const y = (layout.y !== undefined && layout.y !== x?.key ? byKey.get(layout.y) : undefined) ?? varying.find((v) => v !== x && layout.y !== "");
  const shown = jobs.filter((j) => {
    // A job without an axis' parameter has no place on the grid.
    if ((x && j.parameters?.[x.key] === undefined) || (y && j.parameters?.[y.key] === undefined)) return false;
    for (const [key, value] of layout.fixed) {
      if (key === x?.key || key === y?.key || !byKey.has(key)) continue;
      if (formatValue(j.parameters?.[key]) !== value) return false;
    }
    return true;
  });
  if (!x) return { varying, x, y: undefined, rows: [], hidden: jobs.length - shown.length };
  const xIndex = new Map(x.values.map((v, i) => [valueKey(v), i]));
  const yValues = y?.values ?? [undefined];
  const yIndex = new Map(yValues.map((v, i) => [valueKey(v), i]));
  const cells: Job[][][] = yValues.map(() => x.values.map(() => []));
  for (const j of shown) {
    const xi = xIndex.get(valueKey(j.parameters?.[x.key]))!;
    const yi = y ? yIndex.get(valueKey(j.parameters?.[y.key]))! : 0;
    cells[yi]![xi]!.push(j);
  }
  const rows = cells.map((row) => row.map((cellJobs) => ({ jobs: cellJobs, status: mostNotable(cellJobs.map((j) => j.status)) })));
  return { varying, x, y, rows, hidden: jobs.length - shown.length };
}
