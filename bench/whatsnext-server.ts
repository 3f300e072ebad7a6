import { spawn } from "node:child_process";
import net from "node:net";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { peakRssOf, stopChild } from "./child-rpc.js";
import { connectOwn } from "./whatsnext-client.js";

/** The WhatsNext server process the bench measures. */
export interface BenchServer {
  readonly url: string;
  readonly pid: number;
  /** Peak resident set size (VmHWM) so far, in bytes. */
  peakRssBytes(): number;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (the server binds it right after). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `whatsnext serve` as `npm start` runs it (bin/whatsnext.js, the
 * compiled build that `npm run bench` makes first) on its own database and a
 * free port, logging at warn, and waits until it answers a call. With
 * cpuProfileDir the process writes a V8 CPU profile there when it stops.
 */
export async function startBenchServer(databaseUrl: string, cpuProfileDir?: string): Promise<BenchServer> {
  const port = await freePort();
  const nodeFlags = cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...nodeFlags, "bin/whatsnext.js", "serve"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, DATABASE_URL: databaseUrl, WHATSNEXT_HOST: "127.0.0.1", WHATSNEXT_PORT: String(port), LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL ?? "warn" },
  });
  // The server's log lines go to the bench's stderr: stdout carries only the table.
  child.stdout!.pipe(process.stderr);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`the WhatsNext server exited with ${code} during start-up`))));
  exited.catch(() => undefined);
  const probe = connectOwn(ProjectService, url);
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await Promise.race([probe.client.listProjects({ pageSize: 1 }), exited]);
        break;
      } catch (err) {
        if (child.exitCode !== null || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    probe.close();
  }
  return {
    url,
    pid: child.pid!,
    peakRssBytes: () => peakRssOf(child.pid!),
    stop: () => stopChild(child),
  };
}
