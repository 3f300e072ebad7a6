/**
 * Summarises a V8 CPU profile (`npm run bench -- --cpu-prof` writes the
 * server's into bench/profiles): self time by function and by package, so
 * that "where the time goes" is read from data, not guessed.
 * Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [skip start-up ms]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The package (or our own folder) a script URL belongs to. */
export function ownerOf(url: string): string {
  if (!url) return "(native/idle)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith("node:")) return url;
  const m = /\/(src|gen|bench)\/(.*)$/.exec(url);
  return m ? `${m[1]}/${m[2]!.split("/")[0]}` : url;
}

/** Self time per key, in milliseconds, largest first; samples in the first skipMs (start-up) are left out. */
export function selfTimes(profile: CpuProfile, keyOf: (n: ProfileNode) => string, skipMs = 0): Array<[string, number]> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += (profile.timeDeltas[i] ?? 0) / 1000;
    if (at < skipMs) return;
    const node = byId.get(id)!;
    const key = keyOf(node);
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

if (process.argv[1]?.endsWith("profile-summary.ts")) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]\n");
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 25);
  const skipMs = Number(process.argv[4] ?? 0);
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const total = (profile.endTime - profile.startTime) / 1000 - skipMs;
  const print = (title: string, rows: Array<[string, number]>) => {
    process.stdout.write(`\n${title}\n`);
    for (const [k, ms] of rows.slice(0, top)) process.stdout.write(`${ms.toFixed(0).padStart(8)} ms ${((ms / total) * 100).toFixed(1).padStart(5)}%  ${k}\n`);
  };
  process.stdout.write(`profile: ${total.toFixed(0)} ms wall after the first ${skipMs} ms\n`);
  print("self time by package/folder", selfTimes(profile, (n) => ownerOf(n.callFrame.url) + (n.callFrame.functionName.startsWith("(") ? ` ${n.callFrame.functionName}` : ""), skipMs));
  print("self time by function", selfTimes(profile, (n) => `${n.callFrame.functionName || "(anonymous)"} ${ownerOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`, skipMs));
}
