import { spawnSync, type SpawnOptions } from "node:child_process";
import { appendFileSync, chownSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.js";
import type { ProcessGroups } from "./process-groups.js";

/** Where initdb, pg_ctl and postgres are, and which major version they are. */
export interface PostgresBinaries {
  readonly dir: string;
  readonly major: number;
}

/** The major version the harness prefers when several are installed. */
const PREFERRED_MAJOR = 15;

/**
 * The PostgreSQL server binaries of this machine: CHAOS_PG_BIN when set (and
 * then only there), else /usr/lib/postgresql/<major>/bin (Debian; 15
 * preferred, else the newest), else `pg_config --bindir`. Returns the reason
 * when none is found.
 */
export function findPostgresBinaries(): PostgresBinaries | { missing: string } {
  const candidates: string[] = [];
  const debian = "/usr/lib/postgresql";
  if (process.env.CHAOS_PG_BIN) candidates.push(process.env.CHAOS_PG_BIN);
  else if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .map(Number)
      .filter((n) => Number.isInteger(n))
      .sort((a, b) => (a === PREFERRED_MAJOR ? -1 : b === PREFERRED_MAJOR ? 1 : b - a));
    candidates.push(...majors.map((m) => join(debian, String(m), "bin")));
  }
  if (!process.env.CHAOS_PG_BIN) {
    const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
    if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  }
  for (const dir of candidates) {
    if (!["initdb", "pg_ctl", "postgres"].every((b) => existsSync(join(dir, b)))) continue;
    const version = spawnSync(join(dir, "postgres"), ["--version"], { encoding: "utf8" });
    const major = Number(/(\d+)(?:\.\d+)?/.exec(version.stdout ?? "")?.[1]);
    if (version.status === 0 && Number.isInteger(major)) return { dir, major };
  }
  const looked = candidates.length ? candidates.join(", ") : "/usr/lib/postgresql/*/bin or pg_config --bindir";
  return { missing: `no PostgreSQL server binaries (initdb, pg_ctl, postgres) in ${looked}; install them or set CHAOS_PG_BIN to their folder` };
}

/** The user the cluster runs as: ourselves, or `postgres` when we are root (initdb and postgres refuse root). */
function clusterUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) throw new Error("running as root needs a `postgres` user to run the temporary cluster as (initdb refuses root)");
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** How pg_ctl stops the server before starting it again. */
export type RestartMode = "fast" | "immediate";

/**
 * A PostgreSQL cluster of the harness's own in a temporary folder, on a free
 * loopback port with trust authentication, started with pg_ctl (which makes
 * the postmaster lead a process group of its own: that group is tracked and
 * killed at the end).
 */
export class TemporaryCluster {
  private postmasterPid: number | undefined;

  private constructor(
    private readonly bin: PostgresBinaries,
    private readonly groups: ProcessGroups,
    private readonly user: { uid: number; gid: number } | undefined,
    /** The cluster's folder: data, socket and log. */
    readonly dir: string,
    readonly port: number,
  ) {}

  /** The PostgreSQL log (server messages of every start, restart and crash recovery). */
  get logFile(): string {
    return join(this.dir, "postgresql.log");
  }

  private get dataDir(): string {
    return join(this.dir, "data");
  }

  /** initdb in dir (an empty folder the harness owns), then start on a free port. */
  static async create(dir: string, bin: PostgresBinaries, groups: ProcessGroups): Promise<TemporaryCluster> {
    const user = clusterUser();
    if (user) chownSync(dir, user.uid, user.gid);
    const cluster = new TemporaryCluster(bin, groups, user, dir, await freePort());
    await cluster.run("initdb", ["-D", cluster.dataDir, "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"]);
    appendFileSync(
      join(cluster.dataDir, "postgresql.conf"),
      [
        "",
        "# the chaos harness's temporary cluster",
        "listen_addresses = '127.0.0.1'",
        `port = ${cluster.port}`,
        `unix_socket_directories = '${dir}'`,
        "max_connections = 200",
        // The faults are process crashes (pg_ctl -m immediate), never a lost
        // page cache, so durability does not need fsync: a committed
        // transaction's WAL is written before its commit returns.
        "fsync = off",
        "full_page_writes = off",
        "log_min_messages = warning",
        "",
      ].join("\n"),
    );
    await cluster.run("pg_ctl", ["start", "-w", "-t", "60", "-D", cluster.dataDir, "-l", cluster.logFile]);
    cluster.adoptPostmaster();
    return cluster;
  }

  /** A connection URL for the database name on this cluster. */
  url(database = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates a database (the replicas' own). */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`create database "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** `pg_ctl restart -m <mode>` and waits until the new server accepts connections; returns how long that took, in ms. */
  async restart(mode: RestartMode): Promise<number> {
    const started = performance.now();
    const old = this.postmasterPid;
    await this.run("pg_ctl", ["restart", "-w", "-t", "60", "-m", mode, "-D", this.dataDir, "-l", this.logFile]);
    if (old !== undefined) this.groups.release(old);
    this.adoptPostmaster();
    return performance.now() - started;
  }

  /** Stops the server at once (nothing in it is kept) and forgets its process group. */
  async stop(): Promise<void> {
    if (this.postmasterPid === undefined) return;
    await this.run("pg_ctl", ["stop", "-w", "-t", "30", "-m", "immediate", "-D", this.dataDir]).catch(() => undefined);
    this.groups.release(this.postmasterPid);
    this.postmasterPid = undefined;
  }

  /** stop() without waiting on the event loop, for a signal or exit handler: the postmaster removes its shared memory. */
  stopNow(): void {
    if (this.postmasterPid === undefined) return;
    spawnSync(join(this.bin.dir, "pg_ctl"), ["stop", "-w", "-t", "10", "-m", "immediate", "-D", this.dataDir], { stdio: "ignore", cwd: this.dir, env: this.env(), ...(this.user ?? {}) });
    this.groups.release(this.postmasterPid);
    this.postmasterPid = undefined;
  }

  /** The environment the cluster's binaries run with: nothing of the caller's PG* settings. */
  private env(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" };
  }

  private adoptPostmaster(): void {
    const pid = Number(readFileSync(join(this.dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster pid in ${join(this.dataDir, "postmaster.pid")}`);
    this.postmasterPid = pid;
    this.groups.adopt(pid);
  }

  /** Runs one of the cluster's binaries as the cluster's user, in a process group of its own; rejects with its output when it fails. */
  private run(binary: string, args: readonly string[]): Promise<void> {
    const options: SpawnOptions = {
      stdio: ["ignore", "pipe", "pipe"],
      cwd: this.dir,
      env: this.env(),
      ...(this.user ?? {}),
    };
    const child = this.groups.spawn(join(this.bin.dir, binary), args, options);
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`${binary} ${args.join(" ")} exited with ${code ?? signal}:\n${output.trim()}`));
      });
    });
  }
}
