import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import pg from "pg";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { JOB_CHANNEL, PRESENCE_INTERVAL_MS } from "../src/queue/events/postgres-events.js";
import { startServer } from "../src/server/server.js";
import { queueFixture } from "./support/queue-fixtures.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const onPostgres = Boolean(process.env.DATABASE_URL);
const skip = !onPostgres && "NOTIFY exists only on PostgreSQL (the embedded database has one process and no LISTEN)";

interface Heard {
  readonly replica: string;
  readonly jobIds: number[];
}

let t: TestServer;
let listener: pg.Client;
const heard: Heard[] = [];
const waiting = new Set<() => void>();

/** Resolves with the first notification (already heard or still to come) that matches, or fails after limitMs. */
function hear(what: string, match: (h: Heard) => boolean, from = 0, limitMs = 3 * PRESENCE_INTERVAL_MS): Promise<Heard> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const h = heard.slice(from).find(match);
      if (!h) return;
      waiting.delete(check);
      clearTimeout(timer);
      resolve(h);
    };
    const timer = setTimeout(() => {
      waiting.delete(check);
      reject(new Error(`heard no ${what} within ${limitMs} ms`));
    }, limitMs);
    waiting.add(check);
    check();
  });
}

before(async () => {
  if (!onPostgres) return;
  t = await startTestServer();
  // A plain listener, as a person with psql would be: it is no replica and says nothing.
  listener = new pg.Client({ connectionString: t.databaseUrl });
  await listener.connect();
  listener.on("notification", (msg) => {
    const p = JSON.parse(msg.payload ?? "{}") as { r: string; g: Array<[number, number, number, number[]]> };
    heard.push({ replica: p.r, jobIds: p.g.flatMap((g) => g[3]) });
    for (const w of [...waiting]) w();
  });
  await listener.query(`listen ${JOB_CHANNEL}`);
});
after(async () => {
  await listener?.end();
  await t?.close();
});

it("sends no change notifications while no other replica listens, and sends them once one does", { skip }, async () => {
  const f = await queueFixture(t, "connect", "presence");
  // The lone server still says hello at its interval; the job it creates in between is not announced.
  const before = heard.length;
  const alone = await f.createJob();
  const hello = await hear("hello from the lone server", (h) => h.jobIds.length === 0, before);
  assert.ok(!heard.slice(before).some((h) => h.jobIds.includes(Number(alone))), "the job created while alone was not notified");

  // A second replica says hello as it starts; the first answers and from then on sends its changes.
  const config = loadConfig({ DATABASE_URL: t.databaseUrl, WHATSNEXT_PORT: "0", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent" });
  const second = await startServer(config, createLogger(config.LOG_LEVEL));
  try {
    const secondHello = await hear("hello from the second server", (h) => h.replica !== hello.replica && h.jobIds.length === 0, before);
    await hear("the first server's answer", (h) => h.replica === hello.replica && h.jobIds.length === 0, heard.indexOf(secondHello) + 1);
    const together = await f.createJob();
    const change = await hear("the new job's notification", (h) => h.jobIds.includes(Number(together)), before);
    assert.equal(change.replica, hello.replica);
  } finally {
    await second.close(1000);
  }
});
