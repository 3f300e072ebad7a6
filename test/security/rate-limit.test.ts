import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { Health } from "../../gen/health/v1/health_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { RedisBucketStore } from "../../src/security/redis-bucket-store.js";
import { MemoryBucketStore, RateLimiter, type BucketStore } from "../../src/security/token-bucket.js";
import { TrustedProxies } from "../../src/security/trusted-proxies.js";
import { rejectsWith } from "../support/assertions.js";
import { PROTOCOLS, startTestServer, type TestServer } from "../support/test-server.js";
import { testSecret } from "./security-fixture.js";
import { skipWithoutRedis } from "../support/system-tools.js";

const redisSkip = await skipWithoutRedis(process.env.WHATSNEXT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379");

const REDIS_URL = process.env.WHATSNEXT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const runPrefix = () => `wnxt-test:${process.pid}:${randomBytes(4).toString("hex")}:`;

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

async function bucketSequence(store: BucketStore) {
  const clock = manualClock();
  const limiter = new RateLimiter(store, { ratePerSecond: 2, burst: 3 }, { now: clock.now });
  for (let i = 0; i < 3; i++) assert.equal((await limiter.take("k")).allowed, true, `call ${i + 1} of the burst`);
  assert.deepEqual(await limiter.take("k"), { allowed: false, retryAfterMs: 500 });
  assert.equal((await limiter.take("other")).allowed, true, "another key has its own bucket");
  clock.advance(250);
  assert.deepEqual(await limiter.take("k"), { allowed: false, retryAfterMs: 250 });
  clock.advance(250);
  assert.equal((await limiter.take("k")).allowed, true, "one token after 500 ms at 2/s");
  assert.equal((await limiter.take("k")).allowed, false);
  clock.advance(60_000);
  for (let i = 0; i < 3; i++) assert.equal((await limiter.take("k")).allowed, true, "refilled to the burst, not beyond");
  assert.equal((await limiter.take("k")).allowed, false);
}

describe("token buckets with a controllable clock", () => {
  it("in memory: burst, refill, retry-after", () => bucketSequence(new MemoryBucketStore()));

  it("in Redis: the same sequence through the Lua script", { skip: redisSkip }, async () => {
    const store = new RedisBucketStore(REDIS_URL, runPrefix());
    await store.connect();
    try {
      await bucketSequence(store);
    } finally {
      await store.close();
    }
  });

  it("keeps memory bounded under many distinct callers, dropping the least recently used", async () => {
    const store = new MemoryBucketStore(100);
    const clock = manualClock();
    const limiter = new RateLimiter(store, { ratePerSecond: 1, burst: 1 }, { now: clock.now });
    assert.equal((await limiter.take("busy")).allowed, true);
    for (let i = 0; i < 10_000; i++) {
      await limiter.take(`scan-${i}`);
      if (i % 50 === 0) assert.equal((await limiter.take("busy")).allowed, false, "a recently used bucket is kept");
    }
    assert.equal(store.size, 100);
    assert.equal((await limiter.take("scan-0")).allowed, true, "an old bucket was dropped and comes back full");
  });

  it("applies the failure policy when Redis is unreachable, and counts the failures", async () => {
    for (const policy of ["allow", "deny"] as const) {
      const store = new RedisBucketStore("redis://127.0.0.1:1", runPrefix());
      await assert.rejects(store.connect());
      let seen = 0;
      const limiter = new RateLimiter(store, { ratePerSecond: 1, burst: 1 }, { failurePolicy: policy, onStoreFailure: () => seen++ });
      for (let i = 0; i < 3; i++) assert.equal((await limiter.take("k")).allowed, policy === "allow");
      assert.equal(limiter.storeFailures, 3);
      assert.equal(seen, 3);
      await limiter.close();
    }
  });
});

describe("trusted proxies", () => {
  it("believes X-Forwarded-For only from trusted ranges, reading from the right", () => {
    const proxies = new TrustedProxies("10.0.0.0/8, ::1, 192.168.1.7");
    assert.equal(proxies.clientAddress("203.0.113.9", "1.2.3.4"), "203.0.113.9", "an untrusted peer's header is ignored");
    assert.equal(proxies.clientAddress("10.1.2.3", "1.2.3.4"), "1.2.3.4");
    assert.equal(proxies.clientAddress("::ffff:10.1.2.3", "1.2.3.4"), "1.2.3.4", "IPv4-mapped peers are matched");
    assert.equal(proxies.clientAddress("10.1.2.3", "6.6.6.6, 1.2.3.4, 10.9.9.9"), "1.2.3.4", "the forged left part is not believed");
    assert.equal(proxies.clientAddress("::1", "2001:db8::1"), "2001:db8::1");
    assert.equal(proxies.clientAddress("10.1.2.3", "not-an-ip"), "10.1.2.3");
    assert.equal(new TrustedProxies("").clientAddress("127.0.0.1", "1.2.3.4"), "127.0.0.1");
    assert.throws(() => new TrustedProxies("10.0.0.0/33"), /WHATSNEXT_TRUSTED_PROXIES entry "10.0.0.0\/33"/);
    assert.throws(() => new TrustedProxies("example.org"), /WHATSNEXT_TRUSTED_PROXIES/);
  });
});

describe("rate limits on a server", () => {
  const keys = Object.fromEntries(["grpc-js", "connect", "grpc-web", "neighbour", "other"].map((n) => [n, testSecret(n)]));
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      WHATSNEXT_API_KEYS: Object.entries(keys).map(([n, s]) => `${n}:viewer:${s}`).join(","),
      // A token per ~17 minutes: nothing refills during the test, so no clock is needed.
      WHATSNEXT_RATE_LIMIT_RPS: "0.001",
      WHATSNEXT_RATE_LIMIT_BURST: "3",
    });
  });
  after(() => t?.close());

  for (const protocol of PROTOCOLS) {
    it(`answers burst + 1 calls with ResourceExhausted and retry metadata over ${protocol}; another key behind the same address is unaffected`, async () => {
      const projects = t.client(ProjectService, protocol, { authorization: `Bearer ${keys[protocol]}` });
      for (let i = 0; i < 3; i++) await projects.listProjects({});
      const err = await rejectsWith(projects.listProjects({}), Code.ResourceExhausted, /rate limit exceeded; retry in \d+ s/);
      const retryAfter = Number(err.metadata.get("retry-after"));
      const pushback = Number(err.metadata.get("grpc-retry-pushback-ms"));
      assert.ok(retryAfter >= 1 && Number.isInteger(retryAfter), `retry-after ${err.metadata.get("retry-after")}`);
      assert.ok(pushback > 0 && Math.ceil(pushback / 1000) === retryAfter, `grpc-retry-pushback-ms ${err.metadata.get("grpc-retry-pushback-ms")}`);
      // The same in google.rpc details, which every gRPC library reads.
      const [retry] = err.findDetails(RetryInfoSchema);
      assert.ok(retry?.retryDelay, "a RetryInfo with a delay");
      assert.equal(Math.ceil(Number(retry.retryDelay.seconds) + retry.retryDelay.nanos / 1e9), retryAfter);
      assert.equal(err.findDetails(ErrorInfoSchema)[0]?.reason, "RATE_LIMITED");
      // The same address, another principal: its own bucket.
      await t.client(ProjectService, protocol, { authorization: `Bearer ${keys.neighbour}` }).getProject({ project: { case: "name", value: "x" } }).catch((e: { code?: Code }) => assert.equal(e.code, Code.NotFound));
      // Health stays answerable for probes.
      await t.client(Health, protocol).check({});
    });
  }

  it("throttles failed authentication by address, so keys cannot be guessed at full speed", async () => {
    const guesser = t.client(ProjectService, "connect", { authorization: `Bearer ${testSecret("guess")}` });
    for (let i = 0; i < 3; i++) await rejectsWith(guesser.listProjects({}), Code.Unauthenticated);
    await rejectsWith(guesser.listProjects({}), Code.ResourceExhausted);
  });
});

describe("anonymous callers are limited by address", () => {
  it("ignores X-Forwarded-For from an untrusted peer, and honours it from a trusted proxy", async () => {
    const env = { WHATSNEXT_RATE_LIMIT_RPS: "0.001", WHATSNEXT_RATE_LIMIT_BURST: "2" };
    const untrusted = await startTestServer({ ...env, WHATSNEXT_TRUSTED_PROXIES: "10.0.0.0/8" });
    try {
      const call = (xff: string) => untrusted.client(ProjectService, "connect", { "x-forwarded-for": xff }).listProjects({});
      await call("1.1.1.1");
      await call("2.2.2.2");
      await rejectsWith(call("3.3.3.3"), Code.ResourceExhausted, /rate limit/);
    } finally {
      await untrusted.close();
    }
    const trusted = await startTestServer({ ...env, WHATSNEXT_TRUSTED_PROXIES: "127.0.0.0/8,::1" });
    try {
      const call = (xff: string) => trusted.client(ProjectService, "connect", { "x-forwarded-for": xff }).listProjects({});
      await call("1.1.1.1");
      await call("1.1.1.1");
      await rejectsWith(call("1.1.1.1"), Code.ResourceExhausted);
      await call("2.2.2.2");
    } finally {
      await trusted.close();
    }
  });
});

describe("replicas sharing one Redis", { skip: redisSkip }, () => {
  it("enforce one limit between two server processes", async () => {
    const secret = testSecret("shared");
    const env = {
      WHATSNEXT_API_KEYS: `shared:viewer:${secret}`,
      WHATSNEXT_RATE_LIMIT_RPS: "0.001",
      WHATSNEXT_RATE_LIMIT_BURST: "4",
      WHATSNEXT_RATE_LIMIT_REDIS_URL: REDIS_URL,
      WHATSNEXT_RATE_LIMIT_REDIS_PREFIX: runPrefix(),
    };
    const a = await startTestServer(env);
    const b = await startTestServer(env);
    try {
      const h = { authorization: `Bearer ${secret}` };
      const onA = a.client(ProjectService, "grpc-js", h);
      const onB = b.client(ProjectService, "connect", h);
      // Four tokens in all, spent concurrently across both replicas: exactly four calls pass.
      const results = await Promise.allSettled([...Array(5)].flatMap(() => [onA.listProjects({}), onB.listProjects({})]));
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 4);
      for (const r of results) if (r.status === "rejected") assert.equal((r.reason as { code: Code }).code, Code.ResourceExhausted);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
