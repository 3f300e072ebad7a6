import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../gen/health/v1/health_pb.js";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { DatabaseOutage } from "./support/database-outage.js";
import { PROTOCOLS, startTestServer, type TestServer } from "./support/test-server.js";

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t?.close());

const onPostgres = Boolean(process.env.DATABASE_URL);

/** Reads a stream one message at a time, so a test can wait for the next status. */
function reader<T>(stream: AsyncIterable<T>) {
  const it = stream[Symbol.asyncIterator]();
  return {
    async next(): Promise<T> {
      const r = await it.next();
      assert.ok(!r.done, "the stream ended early");
      return r.value;
    },
    async end(): Promise<IteratorResult<T>> {
      return it.next();
    },
  };
}

for (const protocol of PROTOCOLS) {
  describe(`health over ${protocol}`, () => {
    it("answers SERVING for the server and for every served service", async () => {
      const health = t.client(Health, protocol);
      assert.equal((await health.check({})).status, Status.SERVING);
      for (const service of ["whatsnext.v1.ProjectService", "whatsnext.v1.TaskService"]) {
        assert.equal((await health.check({ service })).status, Status.SERVING, service);
      }
    });

    it("answers NotFound to Check of an unknown service, and SERVICE_UNKNOWN to Watch of it", async () => {
      const health = t.client(Health, protocol);
      await rejectsWith(health.check({ service: "nope.v1.Missing" }), Code.NotFound, /nope\.v1\.Missing/);
      const stream = reader(health.watch({ service: "nope.v1.Missing" }));
      assert.equal((await stream.next()).status, Status.SERVICE_UNKNOWN);
      assert.equal((await stream.end()).done, true);
      // The server keeps serving after the refusal.
      assert.equal((await health.check({})).status, Status.SERVING);
    });
  });
}

it(
  "turns NOT_SERVING on Check and on every Watch while its database does not answer, and SERVING again after",
  { skip: !onPostgres && "needs PostgreSQL (DATABASE_URL): the embedded database cannot be taken away from a running server", timeout: 60_000 },
  async () => {
    const outage = DatabaseOutage.of(t.databaseUrl);
    const aborts = new AbortController();
    const watches = PROTOCOLS.map((protocol) => ({
      protocol,
      stream: reader(t.client(Health, protocol).watch({ service: "whatsnext.v1.ProjectService" }, { signal: aborts.signal })),
    }));
    try {
      for (const w of watches) assert.equal((await w.stream.next()).status, Status.SERVING, w.protocol);

      await outage.begin();
      // Ping now rather than waiting for the interval.
      assert.equal(await t.server.health.check(), Status.NOT_SERVING);
      for (const w of watches) assert.equal((await w.stream.next()).status, Status.NOT_SERVING, w.protocol);
      for (const protocol of PROTOCOLS) {
        const health = t.client(Health, protocol);
        assert.equal((await health.check({})).status, Status.NOT_SERVING, protocol);
        assert.equal((await health.check({ service: "whatsnext.v1.ProjectService" })).status, Status.NOT_SERVING, protocol);
      }
      // Calls that need the database fail with a code, they do not hang or crash the server.
      const failed = await t.client(ProjectService, "connect").listProjects({}).then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(failed, "a call that needs the database must fail during the outage");

      await outage.end();
      // Pool connections killed during the outage may fail one more ping before they are replaced.
      let status = await t.server.health.check();
      for (let i = 0; i < 5 && status !== Status.SERVING; i++) status = await t.server.health.check();
      assert.equal(status, Status.SERVING);
      for (const w of watches) assert.equal((await w.stream.next()).status, Status.SERVING, w.protocol);
      assert.equal((await t.client(Health, "grpc-js").check({})).status, Status.SERVING);
      await t.client(ProjectService, "grpc-js").createProject({ name: "after-outage" });
    } finally {
      aborts.abort();
      await outage.end();
    }
  },
);
