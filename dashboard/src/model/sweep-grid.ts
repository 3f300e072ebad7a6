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
  /** Jobs left out by the fixed values of the other parameters. */
  readonly hidden: number;
}

/** What the person chose: the axes, and a value for some of the other varying parameters. */
export interface SweepLayout {
  readonly x?: string;
  readonly y?: string;
  /** Parameter key → the value (as formatValue writes it) the grid is cut at. */
  readonly fixed: ReadonlyMap<string, string>;
}

const valueKey = (v: JsonValue | undefined) => (v === undefined ? "\u0000missing" : JSON.stringify(v));

/** The parameters whose values differ between the jobs, most values first, then by name. */
export function varyingParameters(jobs: readonly Job[]): VaryingParameter[] {
  const keys = new Set<string>();
  for (const j of jobs) for (const k of Object.keys(j.parameters ?? {})) keys.add(k);
  const varying: VaryingParameter[] = [];
  for (const key of keys) {
    const values = new Map<string, JsonValue | undefined>();
    for (const j of jobs) {
      const v = j.parameters?.[key];
      values.set(valueKey(v), v);
    }
    if (values.size > 1) varying.push({ key, values: [...values.values()].sort(compareValues) });
  }
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
