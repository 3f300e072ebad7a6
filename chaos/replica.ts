import type { ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import type { ProcessGroups } from "./process-groups.js";

/** The repository root: replicas run `src/cli/main.ts serve` from there, as users do. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** What every replica of a run shares. */
export interface ReplicaSettings {
  readonly databaseUrl: string;
  readonly leaseSeconds: number;
  readonly reaperIntervalMs: number;
}

/**
 * One server replica: `node --import tsx src/cli/main.ts serve` on a fixed
 * port (kept across a restart, so clients find it again), in a process group
 * of its own, its log appended to logFile.
 */
export class Replica {
  private child: ChildProcess | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly settings: ReplicaSettings,
    private readonly groups: ProcessGroups,
    private readonly logFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits until it answers a call that reads the database; returns how long that took, in ms. */
  async start(): Promise<number> {
    const started = performance.now();
    const log = openSync(this.logFile, "a");
    const env: NodeJS.ProcessEnv = {};
    // Only what the server needs: no WHATSNEXT_* or DATABASE_URL of the caller's shell leaks in.
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("WHATSNEXT_") && k !== "DATABASE_URL" && k !== "LOG_LEVEL") env[k] = v;
    Object.assign(env, {
      DATABASE_URL: this.settings.databaseUrl,
      WHATSNEXT_HOST: "127.0.0.1",
      WHATSNEXT_PORT: String(this.port),
      WHATSNEXT_LEASE_SECONDS: String(this.settings.leaseSeconds),
      WHATSNEXT_REAPER_INTERVAL_MS: String(this.settings.reaperIntervalMs),
      LOG_LEVEL: "warn",
    });
    try {
      this.child = this.groups.spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], { cwd: ROOT, env, stdio: ["ignore", log, log] });
    } finally {
      closeSync(log);
    }
    const child = this.child;
    const exited = new Promise<never>((_, reject) => child.once("exit", (code, signal) => reject(new Error(`replica ${this.name} exited with ${code ?? signal} while starting; see ${this.logFile}`))));
    exited.catch(() => undefined);
    await Promise.race([this.waitAnswering(60_000), exited]);
    return performance.now() - started;
  }

  /** SIGKILL to the replica's process group; resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.child) await this.groups.kill(this.child);
    this.child = undefined;
  }

  /**
   * Polls until a call that reads the database answers OK (ListProjects), so
   * "up" means serving requests, not merely listening; returns the ms it
   * took, or throws after timeoutMs with the last error.
   */
  async waitAnswering(timeoutMs: number): Promise<number> {
    const started = performance.now();
    const client = createClient(ProjectService, createConnectTransport({ baseUrl: this.url, httpVersion: "1.1" }));
    let last: unknown;
    while (performance.now() - started < timeoutMs) {
      try {
        await client.listProjects({ pageSize: 1 }, { timeoutMs: 2000 });
        return performance.now() - started;
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`replica ${this.name} did not answer within ${timeoutMs} ms: ${String(last)}`);
  }
}
