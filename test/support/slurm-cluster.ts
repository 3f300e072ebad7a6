/**
 * A real single-node SLURM cluster for tests, started and stopped by the test
 * itself: munged with its own key and socket, slurmctld and slurmd in the
 * foreground (-D) as child processes in their own process groups, all state
 * in a temporary folder, free ports, accounting off. Commands reach it through
 * SLURM_CONF (see `env`), so it never touches /etc/slurm or another cluster
 * on the same machine.
 *
 * Needs Debian's slurm-wlm and munge, and root (SlurmUser=root; jobs run as
 * the user who submits them). Tests that use it skip without slurmctld, except
 * in CI (see skipWithoutSlurm).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { chmod, mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";

/** What a test may change about the cluster. */
export interface SlurmClusterOptions {
  /** CPUs of the one node, whatever the machine has (SlurmdParameters=config_overrides); default 4. */
  cpus?: number;
  /**
   * A count-only generic resource on the node standing in for GPUs, e.g.
   * { name: "fakegpu", count: 2 }: SLURM allocates it like GPUs without any
   * device (gres/gpu itself drops GPUs that have no device file).
   */
  gres?: { name: string; count: number };
  /** Memory of the node in MB; default 4000. */
  memoryMb?: number;
}

/** A running test cluster. */
export interface SlurmCluster {
  /** The temporary folder holding configuration, state, logs and the munge key. */
  readonly dir: string;
  /** Path of the generated slurm.conf. */
  readonly confPath: string;
  /** The munge socket the cluster (and its commands, through AuthInfo) use. */
  readonly mungeSocket: string;
  /** The one partition (also the default). */
  readonly partition: string;
  /** The one node's name. */
  readonly nodeName: string;
  readonly cpus: number;
  /**
   * The environment for SLURM commands and formatters: this process's, plus
   * SLURM_CONF naming this cluster. SLURM_* variables inherited from an
   * enclosing job are dropped.
   */
  readonly env: Record<string, string>;
  /** Runs a SLURM command (scontrol, squeue, …) against this cluster and returns its stdout; throws when it fails. */
  command(argv: string[]): string;
  /** Stops slurmctld (SIGTERM, then waits for it to exit): a controller outage. Jobs keep running under slurmd. */
  stopController(): Promise<void>;
  /** Starts slurmctld again (it recovers its state) and waits until it answers and the node is back. */
  startController(): Promise<void>;
  /** Cancels every job, then stops slurmd, slurmctld and munged (whole process groups) and removes the folder. */
  stop(): Promise<void>;
}

/** false when slurmctld, slurmd and munged are installed and we are root, else the reason to skip (never in CI). */
export function skipWithoutSlurm(): string | false {
  const missing = ["slurmctld", "slurmd", "munged", "mungekey", "sbatch"].filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status !== 0);
  let reason: string | false = false;
  if (missing.length > 0) reason = `needs SLURM and munge (missing: ${missing.join(", ")}; Debian packages slurm-wlm and munge)`;
  else if (process.getuid?.() !== 0) reason = "needs root to run a test SLURM cluster (SlurmUser=root)";
  return reason && process.env.CI !== "true" ? reason : false;
}

/** A free TCP port on loopback (free when asked; the daemons bind it right after). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

/**
 * Every process of the cluster whose slurm.conf is at confPath: the daemons
 * get SLURM_CONF naming it, and so do slurmstepd (started by slurmd) and the
 * jobs (sbatch passes the submitter's environment on).
 */
function processesOf(confPath: string): number[] {
  const marker = Buffer.from(`SLURM_CONF=${confPath}\0`);
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`);
      if (environ.includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** A daemon started in the foreground in its own process group, output to a log file. */
class Daemon {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly argv: string[],
    private readonly logPath: string,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    const log = await open(this.logPath, "a");
    const child = spawn(this.argv[0]!, this.argv.slice(1), { detached: true, stdio: ["ignore", log.fd, log.fd], env: this.env });
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
    try {
      await spawned;
    } finally {
      await log.close();
    }
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM to the whole group, SIGKILL after a grace period; resolves once the daemon has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined || !this.running) return;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // The group is gone already.
      }
    };
    signalGroup("SIGTERM");
    const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Anything the daemon left in its group (it runs in the foreground, so normally nothing).
    signalGroup("SIGKILL");
  }

  async log(): Promise<string> {
    return readFile(this.logPath, "utf8").catch(() => "");
  }
}

/** Polls `check` until it returns true; fails with `what` and the daemons' logs after the deadline. */
async function until(what: string, check: () => boolean, timeoutMs: number, logs: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`test SLURM cluster: timed out waiting for ${what}\n${await logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts a cluster; the caller must stop() it (in an after hook). */
export async function startSlurmCluster(options: SlurmClusterOptions = {}): Promise<SlurmCluster> {
  const cpus = options.cpus ?? 4;
  const dir = await mkdtemp(join(tmpdir(), "wn-slurm-"));
  // munged refuses a socket on a path others cannot traverse.
  await chmod(dir, 0o711);
  const paths = {
    munge: join(dir, "munge"),
    state: join(dir, "state"),
    spool: join(dir, "spool"),
    logs: join(dir, "log"),
  };
  for (const path of Object.values(paths)) await mkdir(path, { recursive: true });
  await chmod(paths.munge, 0o755);
  const mungeSocket = join(paths.munge, "munge.socket");
  const mungeKey = join(paths.munge, "munge.key");
  const keyed = spawnSync("mungekey", ["--create", `--keyfile=${mungeKey}`], { encoding: "utf8" });
  if (keyed.status !== 0) throw new Error(`mungekey failed: ${keyed.stderr}`);

  const [controllerPort, nodePort] = [await freePort(), await freePort()];
  const suffix = dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, "x");
  const clusterName = `wn${suffix}`;
  const nodeName = `wn-node-${suffix}`;
  const partition = "debug";
  const confPath = join(dir, "slurm.conf");
  const gres = options.gres;
  await writeFile(
    confPath,
    `# A single-node test cluster written by test/support/slurm-cluster.ts.
ClusterName=${clusterName}
SlurmctldHost=${hostname()}(127.0.0.1)
SlurmctldPort=${controllerPort}
SlurmdPort=${nodePort}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${mungeSocket}
StateSaveLocation=${paths.state}
SlurmdSpoolDir=${paths.spool}
SlurmctldPidFile=${join(dir, "slurmctld.pid")}
SlurmdPidFile=${join(dir, "slurmd.pid")}
SlurmctldLogFile=${join(paths.logs, "slurmctld.log")}
SlurmdLogFile=${join(paths.logs, "slurmd.log")}
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
# Without it a job that names no memory gets the whole node's, and jobs run one at a time.
DefMemPerCPU=100
SchedulerType=sched/backfill
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=10
SlurmdTimeout=30
MessageTimeout=3
InactiveLimit=0
MinJobAge=300
KillWait=2
Waittime=0
${gres ? `GresTypes=${gres.name}\n` : ""}NodeName=${nodeName} NodeHostname=${hostname()} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${options.memoryMb ?? 4000}${gres ? ` Gres=${gres.name}:${gres.count}` : ""} State=UNKNOWN
PartitionName=${partition} Nodes=${nodeName} Default=YES MaxTime=INFINITE State=UP
`,
  );
  if (gres) await writeFile(join(dir, "gres.conf"), `NodeName=${nodeName} Name=${gres.name} Count=${gres.count} Flags=CountOnly\n`);

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith("SLURM_")) env[key] = value;
  env.SLURM_CONF = confPath;

  const munged = new Daemon(
    "munged",
    ["munged", "--foreground", `--socket=${mungeSocket}`, `--key-file=${mungeKey}`, `--pid-file=${join(paths.munge, "munged.pid")}`, `--seed-file=${join(paths.munge, "munged.seed")}`, `--log-file=${join(paths.logs, "munged.log")}`],
    join(paths.logs, "munged.out"),
    env,
  );
  const slurmctld = new Daemon("slurmctld", ["slurmctld", "-D", "-f", confPath], join(paths.logs, "slurmctld.out"), env);
  const slurmd = new Daemon("slurmd", ["slurmd", "-D", "-N", nodeName, "-f", confPath], join(paths.logs, "slurmd.out"), env);
  const daemons = [munged, slurmctld, slurmd];
  const logs = async () => (await Promise.all(daemons.map(async (d) => `--- ${d.name}\n${(await d.log()).split("\n").slice(-30).join("\n")}`))).join("\n");

  const run = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { env, encoding: "utf8", timeout: 30_000 });
  const command = (argv: string[]): string => {
    const result = run(argv);
    if (result.status !== 0) throw new Error(`${argv.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr}${result.stdout}`);
    return result.stdout;
  };
  const controllerUp = () => run(["scontrol", "ping"]).status === 0;
  const nodeState = () => run(["sinfo", "-h", "-N", "-n", nodeName, "-o", "%T"]).stdout.trim();
  const nodeResponds = () => /^(idle|mixed|allocated|completing)$/.test(nodeState());

  // A test process killed outright (SIGKILL from a test runner's timeout) runs no handler: a small
  // watchdog outside it kills every process of the cluster once the test process is gone.
  const watchdog = spawn(
    "sh",
    [
      "-c",
      `while kill -0 "$1" 2>/dev/null; do sleep 1; done
for p in /proc/[0-9]*; do grep -qzxF "SLURM_CONF=$2" "$p/environ" 2>/dev/null && kill -9 "\${p#/proc/}" 2>/dev/null; done
rm -rf "$3"`,
      "slurm-cluster-watchdog",
      String(process.pid),
      confPath,
      dir,
    ],
    { detached: true, stdio: "ignore", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
  );
  watchdog.unref();

  // A test process that dies with a chance to clean up (a timeout's SIGTERM, Ctrl-C): kill all of it, synchronously.
  const emergencyStop = (): void => {
    killAll(processesOf(confPath));
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    emergencyStop();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once("exit", emergencyStop);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const stop = async (): Promise<void> => {
    process.off("exit", emergencyStop);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (slurmctld.running && controllerUp()) {
      run(["scancel", `--partition=${partition}`]);
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && run(["squeue", "-h", "-o", "%i"]).stdout.trim() !== "") {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await slurmd.stop();
    await slurmctld.stop();
    await munged.stop();
    // Jobs that outlived their cancel (and their slurmstepd).
    killAll(processesOf(confPath));
    await rm(dir, { recursive: true, force: true });
    watchdog.kill("SIGKILL");
  };

  try {
    await munged.start();
    await until("munged's socket", () => spawnSync("munge", ["-n", "-S", mungeSocket], { stdio: "ignore" }).status === 0, 15_000, logs);
    await slurmctld.start();
    await until("slurmctld to answer", controllerUp, 30_000, logs);
    await slurmd.start();
    await until(`node ${nodeName} to be idle`, () => nodeState() === "idle", 60_000, logs);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    dir,
    confPath,
    mungeSocket,
    partition,
    nodeName,
    cpus,
    env,
    command,
    async stopController() {
      await slurmctld.stop();
    },
    async startController() {
      await slurmctld.start();
      await until("slurmctld to answer again", controllerUp, 30_000, logs);
      await until(`node ${nodeName} to respond again`, nodeResponds, 60_000, logs);
    },
    stop,
  };
}
