import type { PooledExecutor } from "../src/db/executor.js";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../gen/health/v1/health_pb.js";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { DatabaseOutage } from "./support/database-outage.js";
import { createTestDatabase, PROTOCOLS, startTestServer, type TestServer } from "./support/test-server.js";

const onPostgres = Boolean(process.env.DATABASE_URL);
const BIN = fileURLToPath(new URL("../bin/whatsnext.js", import.meta.url));

/** Resolves once a fresh TCP connection to the port is refused; rejects if one is accepted. */
function connectionRefused(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      reject(new Error(`port ${port} still accepts connections`));
    });
    socket.once("error", (err: NodeJS.ErrnoException) => (err.code === "ECONNREFUSED" ? resolve() : reject(err)));
  });
}

/** Polls a condition that has no event of its own (database state), without a fixed sleep. */
async function eventually(what: string, condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`never: ${what}`);
}

/**
 * Holds the project table locked from inside the server's own pool until release(), so
 * that a call touching projects stays in flight. On PostgreSQL other connections wait
 * for the lock; on the embedded database (one connection) they wait for the connection.
 */
function holdProjects(t: TestServer): { held: Promise<void>; release(): void; done: Promise<void> } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held!: () => void;
  const heldP = new Promise<void>((r) => (held = r));
  const done = t.server.app.db.sql.transaction(async (tx) => {
    await tx.query("lock table project in access exclusive mode");
    held();
    await gate;
  });
  return { held: heldP, release, done };
}

/** Whether a call of the server now waits behind the hold. */
async function callIsWaiting(t: TestServer): Promise<boolean> {
  const db = t.server.app.db;
  if (db.kind === "embedded") {
    return (db.sql as PooledExecutor).waitingCount > 0;
  }
  const admin = await import("pg");
  const c = new admin.default.Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  try {
    const r = await c.query("select count(*)::int as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'", [new URL(t.databaseUrl).pathname.slice(1)]);
    return (r.rows[0] as { n: number }).n > 0;
  } finally {
    await c.end();
  }
}

describe("graceful shutdown of a server in this process", () => {
  it("ends in-flight Health/Watch streams cleanly with NOT_SERVING on close()", { timeout: 60_000 }, async () => {
    const t = await startTestServer();
    try {
      const streams = [...PROTOCOLS.map((p) => t.client(Health, p)), createClient(Health, createConnectTransport({ baseUrl: t.url, httpVersion: "2" }))].map((c) =>
        c.watch({})[Symbol.asyncIterator](),
      );
      for (const s of streams) assert.equal((await s.next()).value?.status, Status.SERVING);
      // A grace far longer than the test: the streams must end because shutdown began, not because time ran out.
      const closing = t.server.close(60_000);
      for (const [i, s] of streams.entries()) {
        const last = await s.next();
        assert.equal(last.value?.status, Status.NOT_SERVING, `stream ${i}`);
        assert.deepEqual(await s.next(), { done: true, value: undefined }, `stream ${i} ends without an error`);
      }
      await closing;
    } finally {
      await t.close();
    }
  });

  it("lets a slow call finish, refuses new connections meanwhile, and closes the database pool", { timeout: 60_000 }, async () => {
    const t = await startTestServer();
    try {
      await t.client(ProjectService, "grpc-js").createProject({ name: "slow" });
      const hold = holdProjects(t);
      await hold.held;
      const slowGrpc = t.client(ProjectService, "grpc-js").listProjects({});
      const slowConnect = t.client(ProjectService, "connect").getProject({ project: { case: "name", value: "slow" } });
      await eventually("the calls wait behind the lock", () => callIsWaiting(t));

      const closing = t.server.close(60_000);
      await connectionRefused(t.server.port);
      hold.release();
      await hold.done;
      assert.ok((await slowGrpc).projects.some((p) => p.name === "slow"), "the in-flight gRPC call completed");
      assert.equal((await slowConnect).project?.name, "slow", "the in-flight Connect call completed");
      await closing;

      await connectionRefused(t.server.port);
      await assert.rejects(t.server.app.db.sql.query("select 1"), "the pool is closed");
      if (onPostgres) assert.equal(await DatabaseOutage.of(t.databaseUrl).sessions(), 0, "no session of the server is left in PostgreSQL");
    } finally {
      await t.close();
    }
  });
});

describe("whatsnext serve as a process", () => {
  it("serves, and on SIGTERM stops gracefully with exit 0 and \"whatsnext stopped\"", { timeout: 120_000 }, async () => {
    const db = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), "wn-serve-"));
    const child = spawn(process.execPath, [BIN, "serve"], {
      env: { ...process.env, DATABASE_URL: db.url, WHATSNEXT_DATA_DIR: dataDir, WHATSNEXT_PORT: "0", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const logs: Array<Record<string, unknown>> = [];
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on("line", (line) => {
          let entry: Record<string, unknown>;
          try {
            entry = JSON.parse(line) as Record<string, unknown>;
          } catch {
            return;
          }
          logs.push(entry);
          if (entry.msg === "whatsnext serving") resolve(String(entry.url));
        });
        void exited.then((code) => reject(new Error(`serve exited with ${code} before serving: ${stderr}`)));
      });
      const health = createClient(Health, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
      assert.equal((await health.check({})).status, Status.SERVING);
      // A watcher is connected while the signal arrives; shutdown must still be prompt and clean.
      const watch = health.watch({})[Symbol.asyncIterator]();
      assert.equal((await watch.next()).value?.status, Status.SERVING);

      child.kill("SIGTERM");
      assert.equal(await exited, 0, `exit code; stderr: ${stderr}`);
      assert.ok(logs.some((l) => l.msg === "whatsnext stopped"), `"whatsnext stopped" in the log: ${logs.map((l) => l.msg).join(", ")}`);
      await assert.rejects(health.check({}));
    } finally {
      child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
      await db.drop();
    }
  });

  it("refuses a bad configuration value with exit 2 and one line naming the variable", async () => {
    const child = spawn(process.execPath, [BIN, "serve"], { env: { ...process.env, WHATSNEXT_PORT: "abc" }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    assert.equal(code, 2);
    const lines = stderr.trim().split("\n");
    assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
    assert.match(lines[0]!, /WHATSNEXT_PORT/);
    assert.match(lines[0]!, /abc/);
  });
});
