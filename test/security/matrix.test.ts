import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Role } from "../../gen/whatsnext/v1/common_pb.js";
import { PUBLIC_VIEW_SERVICES, requiredRole, roleSatisfies, ROLE_MATRIX, WHATSNEXT_SERVICES, type RoleName } from "../../src/security/roles.js";
import { PROTOCOLS, startTestServer, type TestServer } from "../support/test-server.js";
import { callWithEmptyRequest, closeHelperSessions, createRuntimeKey, inBatches, KNOWN_SERVICES, servedServices, testSecret } from "./security-fixture.js";

// The role matrix, walked over every method the server serves × credential × protocol.

const secrets = { viewer: testSecret("viewer"), worker: testSecret("worker"), submitter: testSecret("submitter"), admin: testSecret("admin") };

interface Credential {
  readonly label: string;
  readonly headers: Record<string, string>;
  /** The role it authenticates as, or undefined when it must be refused as Unauthenticated. */
  readonly role: RoleName | undefined;
}

let t: TestServer;
let credentials: Credential[];
let served: string[];

before(async () => {
  t = await startTestServer({
    WHATSNEXT_API_KEYS: Object.entries(secrets)
      .map(([role, secret]) => `env-${role}:${role}:${secret}`)
      .join(","),
  });
  const admin = secrets.admin;
  const revoked = await createRuntimeKey(t, admin, "matrix-revoked", Role.ADMIN);
  await t.client((await import("../../gen/whatsnext/v1/key_pb.js")).KeyService, "connect", { authorization: `Bearer ${admin}` }).revokeApiKey({ key: { case: "id", value: revoked.id } });
  const expired = await createRuntimeKey(t, admin, "matrix-expired", Role.ADMIN, { expireTime: new Date(Date.now() + 3_600_000) });
  // Expiry is a stored time: move it into the past instead of waiting for it.
  await t.server.app.db.sql.query("update api_key set expires_at = now() - interval '1 minute' where id = ?", [Number(expired.id)]);
  const runtimeSubmitter = await createRuntimeKey(t, admin, "matrix-runtime-submitter", Role.SUBMITTER);
  credentials = [
    { label: "no credentials", headers: {}, role: undefined },
    { label: "wrong key", headers: { authorization: `Bearer ${testSecret("wrong")}` }, role: undefined },
    { label: "malformed authorization", headers: { authorization: "Basic Zm9vOmJhcg==" }, role: undefined },
    { label: "revoked key", headers: { "x-api-key": revoked.secret }, role: undefined },
    { label: "expired key", headers: { "x-api-key": expired.secret }, role: undefined },
    ...(Object.keys(secrets) as RoleName[]).map((role) => ({ label: `${role} key`, headers: { authorization: `Bearer ${secrets[role]}` }, role })),
    { label: "runtime submitter key (x-api-key)", headers: { "x-api-key": runtimeSubmitter.secret }, role: "submitter" as const },
  ];
  served = await servedServices(t.url, { authorization: `Bearer ${admin}` });
});
after(async () => {
  closeHelperSessions();
  await t?.close();
});

/** What a credential must get from a method: a refusal code, or "allowed" (anything but a refusal). */
function expected(serviceName: string, methodName: string, credential: Credential): "Unauthenticated" | "PermissionDenied" | "allowed" {
  const requirement = requiredRole(serviceName, methodName);
  if (requirement.kind === "public") return "allowed";
  // Reflection without credentials answers with the public services only (test/public-reflection.test.ts).
  if (credential.label === "no credentials" && PUBLIC_VIEW_SERVICES.has(serviceName)) return "allowed";
  if (credential.role === undefined) return "Unauthenticated";
  if (requirement.kind === "authenticated") return "allowed";
  return roleSatisfies(credential.role, requirement.rule.role) ? "allowed" : "PermissionDenied";
}

describe("the role matrix", () => {
  it("has a row for every method of every whatsnext.v1 service in gen/, and reads need only viewer", () => {
    for (const service of WHATSNEXT_SERVICES) {
      for (const method of service.methods) {
        const key = `${service.typeName}/${method.name}`;
        assert.ok(ROLE_MATRIX[key], `${key} has no row in ROLE_MATRIX`);
        const keyManagement = service.typeName === "whatsnext.v1.KeyService";
        if (!keyManagement && (method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS || method.methodKind === "server_streaming")) {
          assert.equal(ROLE_MATRIX[key]!.role, "viewer", `${key} is a read`);
        }
        if (/^Delete/.test(method.name) || keyManagement) assert.equal(ROLE_MATRIX[key]!.role, "admin", `${key} is admin-only`);
      }
    }
    for (const key of Object.keys(ROLE_MATRIX)) {
      const [serviceName, methodName] = key.split("/");
      const service = WHATSNEXT_SERVICES.find((s) => s.typeName === serviceName);
      assert.ok(service?.methods.some((m) => m.name === methodName), `ROLE_MATRIX row ${key} names no method in gen/`);
    }
  });

  it("knows every service the server serves, and the server serves KeyService, Health and reflection", () => {
    for (const name of served) assert.ok(KNOWN_SERVICES.some((s) => s.typeName === name), `served service ${name} is not in the matrix`);
    for (const name of ["whatsnext.v1.KeyService", "whatsnext.v1.ProjectService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"]) assert.ok(served.includes(name), `${name} served`);
  });

  for (const protocol of PROTOCOLS) {
    it(`answers every method × credential over ${protocol} as the matrix says`, { timeout: 120_000 }, async () => {
      const cases = KNOWN_SERVICES.filter((s) => served.includes(s.typeName)).flatMap((service) =>
        service.methods.flatMap((method) => credentials.map((credential) => ({ service, method, credential }))),
      );
      const got = await inBatches(
        cases.map((c) => () => callWithEmptyRequest(t, c.service, c.method, protocol, c.credential.headers)),
        16,
      );
      const wrong: string[] = [];
      cases.forEach((c, i) => {
        const want = expected(c.service.typeName, c.method.name, c.credential);
        const code = got[i]!;
        const refused = code === "Unauthenticated" || code === "PermissionDenied" || code === "ResourceExhausted" || code === "Unimplemented";
        const ok = want === "allowed" ? !refused : code === want;
        if (!ok) wrong.push(`${c.service.name}/${c.method.name} with ${c.credential.label}: want ${want}, got ${code}`);
      });
      assert.deepEqual(wrong, [], `${wrong.length} of ${cases.length} rows wrong`);
      console.log(`${protocol}: ${cases.length} rows over ${served.join(", ")}`);
      assert.ok(cases.length >= 40 * credentials.length, `walked ${cases.length} rows`);
    });
  }
});
