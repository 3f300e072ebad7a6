import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { ErrorInfoSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/health/v1/health_pb.js";
import { JobService } from "../../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import { rejectsWith } from "../support/assertions.js";
import { DatabaseOutage } from "../support/database-outage.js";
import { PROTOCOLS, startTestServer, type TestServer } from "../support/test-server.js";
import { testSecret } from "../security/security-fixture.js";

/**
 * The database taken away under a running server: every call that needs it
 * is answered Unavailable (which clients retry), never Internal, on every
 * protocol and also where authentication itself needs the database; health
 * follows what calls see at once, both ways.
 */
const onPostgres = Boolean(process.env.DATABASE_URL);
const skip = !onPostgres && "needs PostgreSQL (DATABASE_URL): the embedded database cannot be taken away from a running server";

const admin = testSecret("outage-admin");
let t: TestServer;
let keyed: TestServer;
before(async () => {
  if (!onPostgres) return;
  t = await startTestServer();
  // A server whose keys live in the database: authentication itself needs it.
  keyed = await startTestServer({ WHATSNEXT_API_KEYS: `root:admin:${admin}` });
});
after(async () => {
  await t?.close();
  await keyed?.close();
});

it("answers Unavailable on every protocol while the database is away, and serves again after", { skip, timeout: 60_000 }, async () => {
  const created = await t.client(ProjectService, "connect").createProject({ name: "outage" });
  const projectId = created.project!.id;
  const outage = DatabaseOutage.of(t.databaseUrl);
  const keyedOutage = DatabaseOutage.of(keyed.databaseUrl);
  await outage.begin();
  await keyedOutage.begin();
  try {
    for (const protocol of PROTOCOLS) {
      const away = await rejectsWith(t.client(ProjectService, protocol).listProjects({}), Code.Unavailable, /the database is unavailable; retry shortly/);
      assert.ok(away.findDetails(RetryInfoSchema)[0]?.retryDelay, "a RetryInfo says when to try again");
      assert.equal(away.findDetails(ErrorInfoSchema)[0]?.reason, "UNAVAILABLE");
      await rejectsWith(t.client(JobService, protocol).getQueueStats({ projectId }), Code.Unavailable);
      await rejectsWith(t.client(WorkerService, protocol).registerWorker({ name: "w" }), Code.Unavailable);
    }
    // A runtime key is looked up in the database: that lookup failing is Unavailable too, not Internal.
    const withUnknownKey = keyed.client(ProjectService, "connect", { authorization: `Bearer ${testSecret("runtime")}` });
    await rejectsWith(withUnknownKey.listProjects({}), Code.Unavailable);
  } finally {
    await outage.end();
    await keyedOutage.end();
  }
  const again = await t.client(ProjectService, "grpc-js").listProjects({});
  assert.ok(again.projects.some((p) => p.id === projectId));
});

it("turns NOT_SERVING as soon as a call finds the database away, and SERVING as soon as one succeeds again", { skip, timeout: 60_000 }, async () => {
  const health = t.client(Health, "connect");
  const projects = t.client(ProjectService, "connect");
  assert.equal((await health.check({})).status, Status.SERVING);
  const outage = DatabaseOutage.of(t.databaseUrl);
  await outage.begin();
  try {
    await rejectsWith(projects.listProjects({}), Code.Unavailable);
    // No ping has run in between: the failed call itself told health.
    assert.equal((await health.check({})).status, Status.NOT_SERVING);
  } finally {
    await outage.end();
  }
  // Pooled connections the outage killed are dropped by the failing calls; the first call that gets through marks it SERVING.
  for (let i = 0; i < 20; i++) {
    const ok = await projects.listProjects({}).then(
      () => true,
      () => false,
    );
    if (ok) break;
  }
  assert.equal((await health.check({})).status, Status.SERVING);
});
