import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { Role } from "../../gen/whatsnext/v1/common_pb.js";
import { IdentityService } from "../../gen/whatsnext/v1/identity_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { PROTOCOLS, startTestServer, type TestServer } from "../support/test-server.js";
import { closeHelperSessions, createRuntimeKey, testSecret } from "./security-fixture.js";

// IdentityService tells each valid principal who it is (the dashboard hides controls by it), and nobody else anything.

const secrets = { viewer: testSecret("viewer"), worker: testSecret("worker"), submitter: testSecret("submitter"), admin: testSecret("admin") };
let t: TestServer;
before(async () => {
  t = await startTestServer({ WHATSNEXT_API_KEYS: Object.entries(secrets).map(([role, s]) => `id-${role}:${role}:${s}`).join(",") });
});
after(async () => {
  closeHelperSessions();
  await t?.close();
});

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

for (const protocol of PROTOCOLS) {
  it(`tells every role its own name, role and no project restriction, over ${protocol}`, async () => {
    const expected = { viewer: Role.VIEWER, worker: Role.WORKER, submitter: Role.SUBMITTER, admin: Role.ADMIN };
    for (const [role, secret] of Object.entries(secrets) as Array<[keyof typeof expected, string]>) {
      const identity = await t.client(IdentityService, protocol, bearer(secret)).getCallerIdentity({});
      assert.equal(identity.principalName, `id-${role}`);
      assert.equal(identity.role, expected[role]);
      assert.equal(identity.projectId, 0n);
    }
  });

  it(`refuses a wrong key and no key as Unauthenticated, over ${protocol}`, async () => {
    for (const headers of [bearer(testSecret("wrong")), {}]) {
      await assert.rejects(t.client(IdentityService, protocol, headers).getCallerIdentity({}), (err: unknown) => ConnectError.from(err).code === Code.Unauthenticated);
    }
  });
}

it("tells a runtime key restricted to one project which project", async () => {
  const project = (await t.client(ProjectService, "connect", bearer(secrets.admin)).createProject({ name: "identity-restricted" })).project!;
  const key = await createRuntimeKey(t, secrets.admin, "identity-restricted-viewer", Role.VIEWER, { projectId: project.id });
  const identity = await t.client(IdentityService, "connect", { "x-api-key": key.secret }).getCallerIdentity({});
  assert.equal(identity.principalName, "identity-restricted-viewer");
  assert.equal(identity.role, Role.VIEWER);
  assert.equal(identity.projectId, project.id);
});
