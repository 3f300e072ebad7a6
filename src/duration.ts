/**
 * Durations as people write them on command lines and in files: `90s`,
 * `10m`, `1h30m`, `2d`, plain seconds (`600`), or SLURM's clock forms
 * (`1:30:00`, `2-00:00:00`), since walltimes are copied from sbatch scripts.
 */

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Whole seconds of a duration; undefined when the text is not one. */
export function parseDurationSeconds(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) return Number(t);
  if (/^(\d+[smhd])+$/.test(t)) {
    let total = 0;
    for (const [, n, unit] of t.matchAll(/(\d+)([smhd])/g)) total += Number(n) * UNIT_SECONDS[unit!]!;
    return total;
  }
  // [days-]hours:minutes[:seconds] (SLURM's --time), or minutes:seconds.
  const clock = /^(?:(\d+)-)?(\d+):(\d{1,2})(?::(\d{1,2}))?$/.exec(t);
  if (clock) {
    const [, days, a, b, c] = clock;
    const [hours, minutes, seconds] = c === undefined && days === undefined ? [0, Number(a), Number(b)] : [Number(a), Number(b), Number(c ?? 0)];
    return Number(days ?? 0) * 86_400 + hours * 3600 + minutes * 60 + seconds;
  }
  return undefined;
}

/** `1h30m`, `10m`, `45s`: the short form of a number of seconds. */
export function formatDuration(seconds: number): string {
  let rest = Math.max(0, Math.round(seconds));
  if (rest === 0) return "0s";
  let out = "";
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
