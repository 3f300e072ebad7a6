import { SYSTEMS, type SystemName } from "./queue-system.js";
import type { Results, RowSpec } from "./results.js";
import { summarize } from "./stats.js";

const TITLES: Record<SystemName, string> = { whatsnext: "WhatsNext", "pg-boss": "pg-boss", "graphile-worker": "graphile-worker" };

function formatNumber(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** "median (min–max)" over the repetitions, or the one value when there was one. */
export function formatCell(samples: readonly number[], decimals: number): string {
  if (samples.length === 0) return "—";
  const s = summarize(samples);
  if (samples.length === 1) return formatNumber(s.median, decimals);
  return `${formatNumber(s.median, decimals)} (${formatNumber(s.min, decimals)}–${formatNumber(s.max, decimals)})`;
}

/**
 * WhatsNext's advantage over another system on a row, from the medians:
 * above 1 means WhatsNext is ahead whichever way the row counts (throughput
 * divided, latency and memory inverted).
 */
export function advantage(row: RowSpec, ours: readonly number[], theirs: readonly number[]): number {
  if (ours.length === 0 || theirs.length === 0) return Number.NaN;
  const a = summarize(ours).median;
  const b = summarize(theirs).median;
  return row.better === "higher" ? a / b : b / a;
}

function formatAdvantage(x: number): string {
  if (!Number.isFinite(x)) return "—";
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}× ${x >= 1 ? "ahead" : "behind"}`;
}

/** The one table `npm run bench` prints: a row per workload, a column per system, and WhatsNext's ratio to each other system. */
export function renderTable(results: Results, systems: readonly SystemName[]): string {
  const others = systems.filter((s) => s !== "whatsnext");
  const shown = SYSTEMS.filter((s) => systems.includes(s));
  const header = ["Workload", ...shown.map((s) => TITLES[s]), ...(systems.includes("whatsnext") ? others.map((s) => `WhatsNext vs ${TITLES[s]}`) : [])];
  const lines: string[][] = [header];
  for (const row of results.rows) {
    const cells = [`${row.label} [${row.unit}, ${row.better} is better]`, ...shown.map((s) => formatCell(results.get(row.key, s), row.decimals))];
    if (systems.includes("whatsnext")) for (const other of others) cells.push(formatAdvantage(advantage(row, results.get(row.key, "whatsnext"), results.get(row.key, other))));
    lines.push(cells);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length)));
  const render = (l: string[]) => `| ${l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [render(lines[0]!), rule, ...lines.slice(1).map(render)].join("\n");
}
