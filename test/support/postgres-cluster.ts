/**
 * A throwaway PostgreSQL cluster of a test's own: initdb in a temporary
 * folder, a free loopback port, optionally TLS with a certificate from the
 * cluster's own CA. For tests that need what a shared server cannot give:
 * server settings (ssl, pg_hba.conf), a server log to read, or a server to
 * stop and restart.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** The major version looked for first (the one CI installs). */
const PREFERRED_MAJOR = 15;

/** How long initdb, pg_ctl start/stop/restart may take before the cluster is given up (a loaded machine is slow). */
const COMMAND_TIMEOUT_MS = 120_000;

/**
 * The folder holding initdb, pg_ctl and postgres: /usr/lib/postgresql/15/bin
 * (Debian), else another major there (newest first), else `pg_config --bindir`
 * (Homebrew, other distributions). Returns the reason when there is none.
 */
export function findPostgresBinaries(): { dir: string } | { missing: string } {
  const candidates: string[] = [];
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .map(Number)
      .filter((n) => Number.isInteger(n))
      .sort((a, b) => (a === PREFERRED_MAJOR ? -1 : b === PREFERRED_MAJOR ? 1 : b - a));
    candidates.push(...majors.map((m) => join(debian, String(m), "bin")));
  }
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  const dir = candidates.find((d) => ["initdb", "pg_ctl", "postgres"].every((b) => existsSync(join(d, b))));
  if (dir) return { dir };
  return { missing: `no PostgreSQL server binaries (initdb, pg_ctl, postgres) in ${candidates.join(", ") || "/usr/lib/postgresql/*/bin or pg_config --bindir"}` };
}

/**
 * false when a cluster can be started here (server binaries, openssl for
 * TLS, a `postgres` user when running as root), else the reason to skip. In
 * CI (CI=true) nothing is skipped: the test fails there instead.
 */
export function skipWithoutPostgresCluster(options: { tls?: boolean } = {}): string | false {
  const reasons: string[] = [];
  const bin = findPostgresBinaries();
  if ("missing" in bin) reasons.push(bin.missing);
  if (options.tls && spawnSync("openssl", ["version"], { stdio: "ignore" }).status !== 0) reasons.push("no openssl on PATH (it makes the cluster's CA)");
  if (process.getuid?.() === 0 && spawnSync("id", ["-u", "postgres"], { stdio: "ignore" }).status !== 0) {
    reasons.push("running as root needs a `postgres` user to run the cluster as (initdb and postgres refuse root)");
  }
  if (reasons.length === 0 || process.env.CI === "true") return false;
  return `needs a PostgreSQL cluster of its own: ${reasons.join("; ")}`;
}

/** How pg_ctl stops the server: fast ends sessions and checkpoints; immediate quits at once and recovers on the next start. */
export type StopMode = "fast" | "immediate";

/** What the cluster is started with. */
export interface PostgresClusterOptions {
  /**
   * Serve TLS (ssl = on) with a certificate for these host names and
   * addresses (default: localhost), signed by a CA the cluster makes; the same
   * CA is ssl_ca_file, so client certificates it issues are accepted.
   */
  readonly tls?: boolean | { readonly serverNames: readonly string[] };
  /**
   * pg_hba.conf lines, first match wins. Default: trust over the socket and
   * from loopback, with or without TLS.
   */
  readonly hba?: readonly string[];
  /** More postgresql.conf settings (log_connections, max_connections, …). */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
}

/** A certificate and its key, as PEM files. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The cluster's TLS material. */
export interface ClusterTls {
  /** The CA that signed the server's certificate: what a client passes as sslrootcert. */
  readonly caFile: string;
  /** The server's certificate (for the names in `serverNames`). */
  readonly serverNames: readonly string[];
  /** A client certificate from the cluster's CA with this common name (the user name, for `cert` authentication). */
  issueClientCertificate(commonName: string): CertificateFiles;
}

/** Clusters still running, killed if the process exits before they are removed. */
const running = new Set<PostgresCluster>();
let exitHookInstalled = false;

/**
 * A PostgreSQL server in a temporary folder, run as the `postgres` user when
 * the tests run as root. pg_ctl starts the postmaster in a session of its own,
 * so its pid leads the process group of every backend: stop() falls back to
 * killing that group, and remove() always leaves nothing running and nothing
 * on disk.
 */
export class PostgresCluster {
  private postmasterPid: number | undefined;
  private removed = false;

  private constructor(
    private readonly binDir: string,
    private readonly owner: { uid: number; gid: number } | undefined,
    /** The cluster's folder: data, socket, TLS files and log. */
    readonly dir: string,
    /** The loopback port it listens on. */
    readonly port: number,
    /** Present when the cluster serves TLS. */
    readonly tls: ClusterTls | undefined,
  ) {}

  /** initdb in a fresh temporary folder, configure, start, and wait until it accepts connections. */
  static async start(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
    const bin = findPostgresBinaries();
    if ("missing" in bin) throw new Error(bin.missing);
    const owner = clusterOwner();
    const dir = mkdtempSync(join(tmpdir(), "wn-pg-"));
    let cluster: PostgresCluster | undefined;
    try {
      if (owner) chownSync(dir, owner.uid, owner.gid);
      const tls = options.tls ? makeClusterTls(join(dir, "tls"), options.tls === true ? ["localhost"] : options.tls.serverNames, owner) : undefined;
      await runAs(owner, join(bin.dir, "initdb"), ["-D", join(dir, "data"), "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"], dir);
      // A port free now may be taken before the server binds it (other tests, other helpers): try a few.
      for (let attempt = 1; ; attempt++) {
        const port = await freePort();
        cluster = new PostgresCluster(bin.dir, owner, dir, port, tls);
        cluster.configure(options);
        try {
          await cluster.startServer();
          return cluster;
        } catch (err) {
          const portTaken = /could not bind|Address already in use/i.test(cluster.log());
          if (!portTaken || attempt === 3) throw err;
        }
      }
    } catch (err) {
      if (cluster) await cluster.remove();
      else rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The server's log: every start, stop, crash recovery, and with log_connections each connection and whether it used TLS. */
  get logFile(): string {
    return join(this.dir, "postgresql.log");
  }

  /** The log's text so far. */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, "utf8") : "";
  }

  /** Whether the server is running (started and not stopped). */
  get isRunning(): boolean {
    return this.postmasterPid !== undefined;
  }

  /**
   * A connection URL on this cluster. host defaults to localhost (the name the
   * TLS certificate carries by default); params are added as the query string
   * (sslmode, sslrootcert, …).
   */
  url(database = "postgres", options: { host?: string; user?: string; password?: string; params?: Record<string, string> } = {}): string {
    const url = new URL(`postgres://${options.host ?? "localhost"}:${this.port}/${encodeURIComponent(database)}`);
    url.username = options.user ?? "postgres";
    if (options.password !== undefined) url.password = options.password;
    // Paths in the query stay readable: "/" is allowed there, and pg reads it either way.
    const query = Object.entries(options.params ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%2F/gi, "/")}`);
    return `${url.toString()}${query.length ? `?${query.join("&")}` : ""}`;
  }

  /** Runs fn on a superuser connection over the cluster's Unix socket (no TLS, whatever pg_hba.conf says for TCP). */
  async admin<T>(fn: (client: pg.Client) => Promise<T>, database = "postgres"): Promise<T> {
    const client = new pg.Client({ host: this.dir, port: this.port, user: "postgres", database, application_name: "test-admin" });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  /** Creates a database (and, with owner, a login role owning it). */
  async createDatabase(name: string, owner?: string): Promise<void> {
    await this.admin(async (c) => {
      if (owner) await c.query(`create role "${owner}" login`);
      await c.query(`create database "${name}"${owner ? ` owner "${owner}"` : ""}`);
    });
  }

  /** Stops the server (the folder stays, so start() can bring it back); if pg_ctl cannot, kills its process group. */
  async stop(mode: StopMode = "fast"): Promise<void> {
    if (this.postmasterPid === undefined) return;
    try {
      await this.pgCtl(["stop", "-w", "-t", "60", "-m", mode]);
    } catch {
      killGroup(this.postmasterPid);
    }
    this.forgetPostmaster();
  }

  /** Starts the server again after stop(), on the same port and folder. */
  async start(): Promise<void> {
    if (this.removed) throw new Error("the cluster was removed");
    if (this.postmasterPid === undefined) await this.startServer();
  }

  /** pg_ctl restart in the given mode; resolves once the new server accepts connections. */
  async restart(mode: StopMode = "fast"): Promise<void> {
    if (this.postmasterPid === undefined) return this.start();
    await this.pgCtl(["restart", "-w", "-t", "60", "-m", mode, "-l", this.logFile]);
    this.forgetPostmaster();
    this.adoptPostmaster();
  }

  /** Stops the server (fast, else by killing its process group) and deletes the folder. */
  async remove(): Promise<void> {
    if (this.removed) return;
    await this.stop("fast");
    this.removed = true;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private configure(options: PostgresClusterOptions): void {
    const data = join(this.dir, "data");
    const settings: Record<string, string | number | boolean> = {
      listen_addresses: "127.0.0.1",
      port: this.port,
      unix_socket_directories: this.dir,
      // Throwaway data: nothing needs to survive a power cut, and tests start clusters often.
      fsync: false,
      full_page_writes: false,
      synchronous_commit: false,
      ...(this.tls ? { ssl: true, ssl_cert_file: join(this.dir, "tls", "server.crt"), ssl_key_file: join(this.dir, "tls", "server.key"), ssl_ca_file: this.tls.caFile } : {}),
      ...options.settings,
    };
    const lines = Object.entries(settings).map(([k, v]) => `${k} = ${typeof v === "string" ? `'${v.replace(/'/g, "''")}'` : typeof v === "boolean" ? (v ? "on" : "off") : v}`);
    appendFileSync(join(data, "postgresql.conf"), `\n# set by test/support/postgres-cluster.ts\n${lines.join("\n")}\n`);
    const hba = options.hba ?? ["local all all trust", "host all all 127.0.0.1/32 trust", "host all all ::1/128 trust"];
    writeFileSync(join(data, "pg_hba.conf"), `${hba.join("\n")}\n`);
    if (this.owner) chownSync(join(data, "pg_hba.conf"), this.owner.uid, this.owner.gid);
  }

  private async startServer(): Promise<void> {
    try {
      await this.pgCtl(["start", "-w", "-t", "60", "-l", this.logFile]);
    } catch (err) {
      // pg_ctl may give up waiting while the postmaster still runs: leave nothing behind.
      const pid = this.readPostmasterPid();
      if (pid !== undefined) killGroup(pid);
      throw new Error(`${(err as Error).message}\n--- ${this.logFile} ---\n${this.log().trim()}`);
    }
    this.adoptPostmaster();
  }

  private pgCtl(args: string[]): Promise<void> {
    return runAs(this.owner, join(this.binDir, "pg_ctl"), [...args, "-D", join(this.dir, "data")], this.dir);
  }

  private readPostmasterPid(): number | undefined {
    const file = join(this.dir, "data", "postmaster.pid");
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  private adoptPostmaster(): void {
    const pid = this.readPostmasterPid();
    if (pid === undefined) throw new Error(`no postmaster pid in ${join(this.dir, "data", "postmaster.pid")}`);
    this.postmasterPid = pid;
    running.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // A test file that crashes or is interrupted must not leave a server running: nothing async runs here.
      process.on("exit", () => {
        for (const c of running) if (c.postmasterPid !== undefined) killGroup(c.postmasterPid);
      });
    }
  }

  private forgetPostmaster(): void {
    this.postmasterPid = undefined;
    running.delete(this);
  }
}

/** The user the cluster runs as: ourselves, or `postgres` when we are root (initdb and postgres refuse root). */
function clusterOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) throw new Error("running as root needs a `postgres` user to run the cluster as (initdb and postgres refuse root)");
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * Runs a cluster binary as the owner, leading a process group of its own; on
 * timeout the whole group is killed. Rejects with the command's output.
 */
function runAs(owner: { uid: number; gid: number } | undefined, command: string, args: string[], cwd: string): Promise<void> {
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" },
    ...(owner ?? {}),
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => killGroup(child.pid!), COMMAND_TIMEOUT_MS);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code ?? signal}:\n${output.trim()}`));
    });
  });
}

/** SIGKILL to the process group led by pid; a group already gone is not an error. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** A loopback port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** openssl with its output kept for the error. */
function openssl(args: string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed:\n${r.stderr ?? r.error?.message}`);
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/**
 * Makes the cluster's CA and the server's certificate (and key, readable by
 * the server's user only, as PostgreSQL requires) in dir.
 */
function makeClusterTls(dir: string, serverNames: readonly string[], owner: { uid: number; gid: number } | undefined): ClusterTls {
  mkdirSync(dir);
  const caFile = join(dir, "ca.pem");
  const caKey = join(dir, "ca.key");
  openssl(["req", "-x509", ...EC_KEY, "-keyout", caKey, "-out", caFile, "-days", "2", "-subj", "/CN=whatsnext test cluster CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  const issue = (name: string, commonName: string, extensions: string[]): CertificateFiles => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    const extFile = join(dir, `${name}.ext`);
    writeFileSync(extFile, `${["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature", ...extensions].join("\n")}\n`);
    openssl(["req", "-new", ...EC_KEY, "-keyout", keyFile, "-out", join(dir, `${name}.csr`), "-subj", `/CN=${commonName}`], dir);
    openssl(["x509", "-req", "-in", join(dir, `${name}.csr`), "-CA", caFile, "-CAkey", caKey, "-set_serial", `0x${randomBytes(8).toString("hex")}`,
      "-days", "1", "-extfile", extFile, "-out", certFile], dir);
    chmodSync(keyFile, 0o600);
    return { certFile, keyFile };
  };
  const sans = serverNames.map((n) => (net.isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  const server = issue("server", serverNames[0] ?? "localhost", [`subjectAltName=${sans}`, "extendedKeyUsage=serverAuth"]);
  if (owner) {
    for (const f of [dir, server.certFile, server.keyFile, caFile]) chownSync(f, owner.uid, owner.gid);
  }
  let clients = 0;
  return {
    caFile,
    serverNames,
    issueClientCertificate: (commonName) => issue(`client-${++clients}`, commonName, ["extendedKeyUsage=clientAuth"]),
  };
}
