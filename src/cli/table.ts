/**
 * Plain-text tables for people: left-aligned columns separated by two
 * spaces, cells cut to a width so one long message cannot wreck the layout.
 */

/** Longest cell shown; longer text ends with an ellipsis (JSON output is never cut). */
export const MAX_CELL_WIDTH = 60;

/** Renders a header row and rows; an empty table says so in words instead. */
export function renderTable(headers: string[], rows: Array<Array<string | number | bigint | undefined>>, empty = "(none)"): string {
  if (rows.length === 0) return empty;
  const cells = [headers, ...rows.map((r) => r.map(cellText))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd())
    .join("\n");
}

/** Renders `label: value` lines with aligned values, skipping empty values. */
export function renderFields(fields: Array<[string, string | number | bigint | undefined]>): string {
  const shown = fields.filter(([, v]) => v !== undefined && v !== "");
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${String(v)}`).join("\n");
}

function cellText(value: string | number | bigint | undefined): string {
  const text = value === undefined ? "" : String(value).replace(/\s+/g, " ");
  return text.length > MAX_CELL_WIDTH ? `${text.slice(0, MAX_CELL_WIDTH - 1)}…` : text;
}
