import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { Role } from "../../gen/whatsnext/v1/common_pb.js";
import { JobService } from "../../gen/whatsnext/v1/job_pb.js";
import { KeyService } from "../../gen/whatsnext/v1/key_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../../gen/whatsnext/v1/task_pb.js";
import { WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import { KeyConfigError, matchConfiguredKey, parseKeyEntries } from "../../src/security/api-key.js";
import { rejectsWith } from "../support/assertions.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { createRuntimeKey, testSecret } from "./security-fixture.js";

const onPostgres = Boolean(process.env.DATABASE_URL);

describe("key entries", () => {
  it("parses bare secrets as admin keys and name:role:secret with colons in the secret", () => {
    const keys = parseKeyEntries("bare-secret-0123456789, ci:worker:abc:def:0123456789abcdef\n# comment\n\n", "WHATSNEXT_API_KEYS");
    assert.deepEqual(
      keys.map((k) => [k.name, k.role]),
      [["whatsnext-api-keys-1", "admin"], ["ci", "worker"]],
    );
    assert.equal(matchConfiguredKey("abc:def:0123456789abcdef", keys)?.name, "ci");
    assert.equal(matchConfiguredKey("bare-secret-0123456789", keys)?.name, "whatsnext-api-keys-1");
    // Any length, even empty, is compared without throwing and matches nothing.
    for (const probe of ["", "x", "abc:def:0123456789abcde", "y".repeat(10_000)]) assert.equal(matchConfiguredKey(probe, keys), undefined);
  });

  it("refuses short secrets, unknown roles and duplicate names, naming the entry but never the secret", () => {
    const cases: Array<[string, RegExp]> = [
      ["short-secret", /entry 1: the secret must be at least 16/],
      ["a:viewer:0123456789abcdef,b:root:0123456789abcdef-secret", /entry 2: role must be one of viewer, worker, submitter, admin, got "root"/],
      ["a:viewer:0123456789abcdef,a:admin:fedcba9876543210", /key name "a" is used twice/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => parseKeyEntries(text, "WHATSNEXT_API_KEYS"), (err: Error) => {
        assert.ok(err instanceof KeyConfigError);
        assert.match(err.message, message);
        assert.ok(!err.message.includes("0123456789abcdef") && !err.message.includes("short-secret"), err.message);
        return true;
      });
    }
  });
});

describe("keys against a real server", () => {
  const envAdmin = testSecret("env-admin");
  const fileViewer = testSecret("file-viewer");
  const fileAdmin = testSecret("file-admin");
  let t: TestServer;
  const admin = () => ({ authorization: `Bearer ${envAdmin}` });

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "wnxt-keys-"));
    const file = join(dir, "keys");
    writeFileSync(file, `# keys for the test\nfile-viewer:viewer:${fileViewer}\n\n${fileAdmin}\n`);
    chmodSync(file, 0o600);
    t = await startTestServer({ WHATSNEXT_API_KEYS: `env-admin:admin:${envAdmin}`, WHATSNEXT_API_KEYS_FILE: file });
  });
  after(() => t?.close());

  it("accepts keys from the environment and from the file, with their roles", async () => {
    const asViewer = t.client(ProjectService, "connect", { "x-api-key": fileViewer });
    await asViewer.listProjects({});
    const denied = await rejectsWith(asViewer.createProject({ name: "nope" }), Code.PermissionDenied, /^ProjectService\/CreateProject needs the submitter role$/);
    assert.deepEqual(denied.findDetails(ErrorInfoSchema).map((i) => [i.reason, i.metadata.role]), [["ROLE_REQUIRED", "submitter"]]);
    await t.client(ProjectService, "grpc-js", { authorization: `Bearer ${fileAdmin}` }).createProject({ name: "from-file-admin" });
    await t.client(ProjectService, "grpc-web", admin()).getProject({ project: { case: "name", value: "from-file-admin" } });
  });

  it("creates a key whose secret is shown once and stored only as a hash; lists name, role, prefix, created and last used", async () => {
    const created = await createRuntimeKey(t, envAdmin, "ci-submitter", Role.SUBMITTER);
    assert.match(created.secret, /^wnxt_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.key.prefix, created.secret.slice(0, created.key.prefix.length));
    assert.ok(created.key.prefix.length < 16, "the prefix shows only a few characters");
    assert.equal(created.key.role, Role.SUBMITTER);
    assert.ok(created.key.createTime);
    assert.equal(created.key.lastUsedTime, undefined);

    // The secret works at once, on every protocol, and marks the key used.
    await t.client(ProjectService, "grpc-js", { "x-api-key": created.secret }).createProject({ name: "by-ci" });
    const listed = (await t.client(KeyService, "connect", admin()).listApiKeys({})).keys.find((k) => k.name === "ci-submitter");
    assert.ok(listed?.lastUsedTime, "last used is recorded");
    assert.equal(listed.prefix, created.key.prefix);

    // The database holds the SHA-256 and the prefix, never the secret.
    const rows = await t.server.app.db.sql.query<Record<string, unknown>>("select * from api_key");
    assert.ok(!JSON.stringify(rows).includes(created.secret), "the secret is not stored");
    assert.ok(!JSON.stringify(rows).includes(created.secret.slice(12)), "no part of the secret beyond the prefix is stored");
    const row = (rows as Array<Record<string, unknown>>).find((r) => r.name === "ci-submitter")!;
    assert.equal(row.secret_hash, createHash("sha256").update(created.secret).digest("hex"));
    // A second create with the same name, or a configured key's name, is refused.
    await rejectsWith(t.client(KeyService, "connect", admin()).createApiKey({ name: "ci-submitter", role: Role.VIEWER }), Code.AlreadyExists);
    await rejectsWith(t.client(KeyService, "connect", admin()).createApiKey({ name: "env-admin", role: Role.VIEWER }), Code.AlreadyExists, /configured/);
    await rejectsWith(t.client(KeyService, "connect", admin()).createApiKey({ name: "no-role" }), Code.InvalidArgument, /^role/);
  });

  it("refuses a revoked key on its next call, with the same answer as an unknown key", async () => {
    const k = await createRuntimeKey(t, envAdmin, "to-revoke", Role.VIEWER);
    const projects = t.client(ProjectService, "connect", { authorization: `Bearer ${k.secret}` });
    await projects.listProjects({});
    const revoked = await t.client(KeyService, "connect", admin()).revokeApiKey({ key: { case: "name", value: "to-revoke" } });
    assert.ok(revoked.key?.revokeTime);
    const wrong = await rejectsWith(t.client(ProjectService, "connect", { authorization: `Bearer ${testSecret("unknown")}` }).listProjects({}), Code.Unauthenticated);
    const refused = await rejectsWith(projects.listProjects({}), Code.Unauthenticated);
    assert.equal(refused.rawMessage, wrong.rawMessage);
    await rejectsWith(t.client(KeyService, "connect", admin()).revokeApiKey({ key: { case: "id", value: k.id } }), Code.FailedPrecondition, /already revoked/);
    // Revoked keys are hidden from the list unless asked for.
    const keys = t.client(KeyService, "connect", admin());
    assert.ok(!(await keys.listApiKeys({})).keys.some((x) => x.name === "to-revoke"));
    assert.ok((await keys.listApiKeys({ includeRevoked: true })).keys.some((x) => x.name === "to-revoke"));
  });

  it("refuses a key once its expiry has passed", async () => {
    const k = await createRuntimeKey(t, envAdmin, "expiring", Role.VIEWER, { expireTime: new Date(Date.now() + 3_600_000) });
    const projects = t.client(ProjectService, "grpc-web", { "x-api-key": k.secret });
    await projects.listProjects({});
    await t.server.app.db.sql.query("update api_key set expires_at = now() - interval '1 second' where id = ?", [Number(k.id)]);
    const expired = await rejectsWith(projects.listProjects({}), Code.Unauthenticated, /^invalid credentials$/);
    assert.equal(expired.findDetails(ErrorInfoSchema)[0]?.reason, "UNAUTHENTICATED");
    await rejectsWith(
      t.client(KeyService, "connect", admin()).createApiKey({ name: "born-expired", role: Role.VIEWER, expireTime: { seconds: 1n, nanos: 0 } }),
      Code.InvalidArgument,
      /expire_time must be in the future/,
    );
  });

  it("keeps a project-restricted key to its project", async () => {
    const projects = t.client(ProjectService, "connect", admin());
    const mine = (await projects.createProject({ name: "restricted-mine" })).project!;
    const other = (await projects.createProject({ name: "restricted-other" })).project!;
    const tasks = t.client(TaskService, "connect", admin());
    await tasks.createTask({ projectId: mine.id, name: "t", commandTemplate: "true" });
    const otherTask = (await tasks.createTask({ projectId: other.id, name: "t", commandTemplate: "true" })).task!;
    const otherJob = (await t.client(JobService, "connect", admin()).createJob({ projectId: other.id, task: { case: "taskName", value: "t" }, name: "j" })).job!;

    const k = await createRuntimeKey(t, envAdmin, "restricted-submitter", Role.SUBMITTER, { projectId: mine.id });
    assert.equal(k.key.projectId, mine.id);
    const h = { authorization: `Bearer ${k.secret}` };
    const p = t.client(ProjectService, "connect", h);
    const jobsAsKey = t.client(JobService, "connect", h);
    await p.getProject({ project: { case: "id", value: mine.id } });
    await p.getProject({ project: { case: "name", value: "restricted-mine" } });
    await rejectsWith(p.getProject({ project: { case: "id", value: other.id } }), Code.PermissionDenied, new RegExp(`only on project ${mine.id}`));
    await rejectsWith(p.getProject({ project: { case: "name", value: "restricted-other" } }), Code.PermissionDenied);
    await rejectsWith(p.createProject({ name: "escape" }), Code.PermissionDenied, /not restricted to one project/);
    assert.deepEqual((await p.listProjects({ pageSize: 1000 })).projects.map((x) => x.id), [mine.id]);
    const job = (await jobsAsKey.createJob({ projectId: mine.id, task: { case: "taskName", value: "t" }, name: "j" })).job!;
    await jobsAsKey.getJob({ id: job.id });
    await rejectsWith(jobsAsKey.createJob({ projectId: other.id, task: { case: "taskName", value: "t" }, name: "j2" }), Code.PermissionDenied);
    await rejectsWith(jobsAsKey.getJob({ id: otherJob.id }), Code.PermissionDenied);
    await rejectsWith(jobsAsKey.cancelJob({ id: otherJob.id }), Code.PermissionDenied);
    await rejectsWith(jobsAsKey.listJobs({}), Code.PermissionDenied, /name it with project_id/);
    await rejectsWith(t.client(TaskService, "connect", h).getTask({ id: otherTask.id }), Code.PermissionDenied);
    // Naming the other project by name is the same as by id.
    const byName = await rejectsWith(jobsAsKey.createJob({ projectName: "restricted-other", task: { case: "taskName", value: "t" }, name: "j3" }), Code.PermissionDenied);
    assert.equal(byName.findDetails(ErrorInfoSchema)[0]?.reason, "PROJECT_RESTRICTED");
    await rejectsWith(jobsAsKey.listJobs({ projectName: "restricted-other" }), Code.PermissionDenied);
    await rejectsWith(jobsAsKey.listJobs({ projectId: mine.id, projectName: "restricted-other" }), Code.PermissionDenied);
    await rejectsWith(t.client(TaskService, "connect", h).getTask({ projectName: "restricted-other", name: "t" }), Code.PermissionDenied);
    assert.equal((await jobsAsKey.listJobs({ projectName: "restricted-mine" })).jobs.length, 1);
    // A stream is checked before it starts.
    await rejectsWith(
      (async () => {
        for await (const _ of t.client(JobService, "connect", h).watchJobs({ projectId: other.id })) break;
      })(),
      Code.PermissionDenied,
    );
    // A restricted worker key cannot reach into another project through the next of a finish.
    const workerKey = await createRuntimeKey(t, envAdmin, "restricted-worker", Role.WORKER, { projectId: mine.id });
    const workersAsKey = t.client(WorkerService, "connect", { "x-api-key": workerKey.secret });
    await workersAsKey.registerWorker({ id: "restricted-w" });
    await jobsAsKey.createJob({ projectId: mine.id, task: { case: "taskName", value: "t" }, name: "j3" });
    const held = (await workersAsKey.fetchJob({ workerId: "restricted-w", project: { case: "projectId", value: mine.id }, start: true })).jobs[0]!;
    for (const project of [{ case: "projectId" as const, value: other.id }, { case: "projectName" as const, value: "restricted-other" }]) {
      await rejectsWith(workersAsKey.finishJob({ jobId: held.id, workerId: "restricted-w", success: true, next: { project } }), Code.PermissionDenied);
      await rejectsWith(workersAsKey.finishJobs({ workerId: "restricted-w", outcomes: [{ jobId: held.id, success: true }], next: { project } }), Code.PermissionDenied);
    }
    await rejectsWith(workersAsKey.finishJob({ jobId: held.id, workerId: "restricted-w", success: true, next: {} }), Code.PermissionDenied, /name it with project_id/);
    const finished = await workersAsKey.finishJob({ jobId: held.id, workerId: "restricted-w", success: true, next: { project: { case: "projectId", value: mine.id } } });
    assert.deepEqual(finished.next!.jobs.map((j) => j.projectId), [mine.id], "the next job comes from the key's own project");
    // Even a restricted admin cannot manage keys: it could mint an unrestricted one.
    const restrictedAdmin = await createRuntimeKey(t, envAdmin, "restricted-admin", Role.ADMIN, { projectId: mine.id });
    await rejectsWith(t.client(KeyService, "connect", { "x-api-key": restrictedAdmin.secret }).listApiKeys({}), Code.PermissionDenied);
  });

  it(
    "turns authentication on at start-up when the database holds a usable key, even with none configured",
    { skip: !onPostgres && "needs PostgreSQL: a second server cannot share the in-memory embedded database" },
    async () => {
      const k = await createRuntimeKey(t, envAdmin, "survivor", Role.VIEWER);
      const replica = await startTestServer({ DATABASE_URL: t.databaseUrl });
      try {
        await rejectsWith(replica.client(ProjectService, "connect").listProjects({}), Code.Unauthenticated);
        await replica.client(ProjectService, "connect", { "x-api-key": k.secret }).listProjects({});
      } finally {
        await replica.close();
      }
    },
  );
});
