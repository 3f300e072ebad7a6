/**
 * Start-up time to the first served request, and the memory then: spawns
 * `whatsnext serve` both ways it can run — compiled (`node dist/node/src/cli/main.js
 * serve`, what bin/whatsnext.js runs once `npm run build` made it; build
 * first) and from the
 * sources through tsx (`node --import tsx src/cli/main.ts serve`) — with
 * WHATSNEXT_PORT=0,
 * reads the URL from its "whatsnext serving" log line, then polls
 * grpc.health.v1.Health/Check until SERVING. Measured on the embedded
 * database (a fresh data directory, then the same directory again) and on
 * PostgreSQL (a fresh database from DATABASE_URL, when set).
 *
 *   node --import tsx bench/startup.ts [--runs N]
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../gen/health/v1/health_pb.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** How the server is started. */
const LAUNCHERS = {
  compiled: ["dist/node/src/cli/main.js"],
  "tsx (sources)": ["--import", "tsx", "src/cli/main.ts"],
} as const;
type Launcher = keyof typeof LAUNCHERS;

/** Resident memory of a process now and at its peak, in MiB, from /proc. */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMiB: kib("VmRSS") / 1024, peakMiB: kib("VmHWM") / 1024 };
}

/** One start: milliseconds from spawn to each milestone. */
interface StartupSample {
  /** Resident memory once SERVING, and its peak until then (MiB). */
  readonly rssMiB: number;
  readonly peakMiB: number;
  /** Spawn until the "whatsnext serving" log line. */
  readonly listeningMs: number;
  /** Spawn until Health/Check first answered SERVING: the time to the first served request. */
  readonly servingMs: number;
  /** The server's own measure, from its log line (database open, migrations, modules, listen). */
  readonly serverReportedMs: number;
}

/** Starts the server with env, measures, stops it with SIGTERM and waits for it to exit. */
async function measureOnce(launcher: Launcher, env: Record<string, string>): Promise<StartupSample> {
  const started = performance.now();
  const child = spawn(process.execPath, [...LAUNCHERS[launcher], "serve"], {
    cwd: ROOT,
    env: { ...process.env, WHATSNEXT_PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  try {
    const { url, startupMs, at } = await new Promise<{ url: string; startupMs: number; at: number }>((resolve, reject) => {
      createInterface({ input: child.stdout }).on("line", (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string; startupMs?: number };
          if (entry.msg === "whatsnext serving") resolve({ url: String(entry.url), startupMs: Number(entry.startupMs), at: performance.now() });
        } catch {
          // not a log line
        }
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code} before serving:\n${stderr}`)));
    });
    const health = createClient(Health, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
    for (;;) {
      const status = await health.check({}).then(
        (r) => r.status,
        () => Status.UNKNOWN,
      );
      if (status === Status.SERVING) break;
    }
    const servingMs = performance.now() - started;
    return { listeningMs: at - started, servingMs, serverReportedMs: startupMs, ...memoryOf(child.pid!) };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

async function withFreshPostgres<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const base = process.env.DATABASE_URL!;
  const name = `wn_startup_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  try {
    const url = new URL(base);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const runsArg = process.argv.indexOf("--runs");
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs must be a whole number >= 1");

  const rows: Array<[string, StartupSample[]]> = [];
  for (const launcher of Object.keys(LAUNCHERS) as Launcher[]) {
    const fresh: StartupSample[] = [];
    const reused: StartupSample[] = [];
    for (let i = 0; i < runs; i++) {
      const dir = mkdtempSync(join(tmpdir(), "wn-startup-"));
      try {
        process.stderr.write(`${launcher}: embedded run ${i + 1}/${runs}\n`);
        fresh.push(await measureOnce(launcher, { DATABASE_URL: "", WHATSNEXT_DATA_DIR: join(dir, "data") }));
        reused.push(await measureOnce(launcher, { DATABASE_URL: "", WHATSNEXT_DATA_DIR: join(dir, "data") }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    rows.push([`${launcher}, embedded, fresh data dir`, fresh], [`${launcher}, embedded, existing data dir`, reused]);
    if (process.env.DATABASE_URL) {
      const postgres: StartupSample[] = [];
      for (let i = 0; i < runs; i++) {
        process.stderr.write(`${launcher}: postgres run ${i + 1}/${runs}\n`);
        postgres.push(await withFreshPostgres((url) => measureOnce(launcher, { DATABASE_URL: url })));
      }
      rows.push([`${launcher}, PostgreSQL, fresh database`, postgres]);
    }
  }
  if (!process.env.DATABASE_URL) process.stderr.write("DATABASE_URL unset: PostgreSQL skipped\n");

  const header = ["how started, database", "runs", "first SERVING ms (median)", "min", "max", "log line ms (median)", "server-reported ms (median)", "RSS MiB (median)", "peak MiB (median)"];
  const lines = rows.map(([label, samples]) => {
    const serving = samples.map((s) => s.servingMs);
    return [
      label,
      String(samples.length),
      median(serving).toFixed(0),
      Math.min(...serving).toFixed(0),
      Math.max(...serving).toFixed(0),
      median(samples.map((s) => s.listeningMs)).toFixed(0),
      median(samples.map((s) => s.serverReportedMs)).toFixed(0),
      median(samples.map((s) => s.rssMiB)).toFixed(0),
      median(samples.map((s) => s.peakMiB)).toFixed(0),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
  console.log("first SERVING: from spawning the server (compiled: `node dist/node/src/cli/main.js serve`; tsx: `node --import tsx src/cli/main.ts serve`) to the first Health/Check answering SERVING; RSS and its peak read from /proc then.");
}

await main();
