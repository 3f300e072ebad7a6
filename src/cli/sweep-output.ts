/**
 * How a sweep reads for a person: one row of `sweep ls`, or `sweep show`'s
 * fields, progress bar, counts per status and the failed parameter sets.
 */
import type { Job } from "../../gen/whatsnext/v1/job_pb.js";
import type { Sweep, SweepSpec } from "../../gen/whatsnext/v1/sweep_pb.js";
import { progressBar } from "./progress-bar.js";
import { formatTime } from "./human-format.js";
import { renderFields, renderTable } from "./table.js";

/** The columns of `sweep ls`. */
export function sweepsTable(sweeps: Sweep[]): string {
  return renderTable(
    ["ID", "NAME", "TASK", "KIND", "JOBS", "DONE", "COMPLETED", "FAILED", "RUNNING", "PENDING", "CREATED"],
    sweeps.map((s) => {
      const c = s.counts;
      return [s.id, s.name, s.taskName, specKind(s.spec), c?.total, percent(s.progress), c?.completed, c?.failed, (c?.running ?? 0n) + (c?.queued ?? 0n), c?.pending, formatTime(s.createTime)];
    }),
    "no sweeps",
  );
}

/** `sweep show`: the sweep, a bar, the counts, and a table of its failed jobs' parameter sets. */
export function sweepText(s: Sweep, failed: Job[]): string {
  const c = s.counts;
  const fields = renderFields([
    ["sweep", `${s.name} (id ${s.id})`],
    ["task", s.taskName],
    ["kind", specKind(s.spec)],
    ["priority", s.priority],
    ["max attempts", s.maxAttempts],
    ["created", formatTime(s.createTime)],
    ["first finish", formatTime(s.firstFinishTime)],
    ["last finish", formatTime(s.lastFinishTime)],
  ]);
  const ended = (c?.completed ?? 0n) + (c?.failed ?? 0n) + (c?.cancelled ?? 0n);
  const bar = `${progressBar(s.progress, 30, ".")} ${percent(s.progress)}  ${ended}/${c?.total ?? 0n} ended`;
  const counts = renderTable(
    ["PENDING", "QUEUED", "RUNNING", "COMPLETED", "FAILED", "BLOCKED", "CANCELLED", "TOTAL"],
    [[c?.pending, c?.queued, c?.running, c?.completed, c?.failed, c?.blocked, c?.cancelled, c?.total]],
  );
  const failures =
    failed.length === 0
      ? "no failed jobs"
      : `failed parameter sets (retry them with \`whatsnext sweep retry ${s.name}\`):\n${renderTable(
          ["JOB", "TRY", "EXIT", "MESSAGE", "PARAMETERS"],
          failed.map((j) => [j.id, `${j.attempts}/${j.maxAttempts}`, j.exitCode, j.message, JSON.stringify(j.parameters ?? {})]),
        )}`;
  return `${fields}\n\n${bar}\n${counts}\n\n${failures}`;
}

function percent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`;
}

/** grid, list or random, with its size: `grid 3×2`, `random 200 (seed 7)`. */
export function specKind(spec: SweepSpec | undefined): string {
  switch (spec?.kind.case) {
    case "grid":
      return `grid ${spec.kind.value.axes.map((a) => a.values.length).join("×")}`;
    case "list":
      return `list ${spec.kind.value.parameterSets.length}`;
    case "random":
      return `random ${spec.kind.value.count} (seed ${spec.kind.value.seed})`;
    default:
      return "";
  }
}
