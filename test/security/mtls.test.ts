import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { rejectsWith } from "../support/assertions.js";
import { createGrpcJsClient } from "../support/grpc-js-client.js";
import { PROTOCOLS, startTestServer, type Protocol, type TestServer } from "../support/test-server.js";
import { skipWithoutCommand } from "../support/system-tools.js";

/** Certificates made for this run with the openssl CLI: two CAs, a server and clients. */
function makeCertificates() {
  const dir = mkdtempSync(join(tmpdir(), "wnxt-mtls-"));
  const p = (f: string) => join(dir, f);
  const run = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ca = (name: string) => run("req", "-x509", ...newKey, "-keyout", p(`${name}.key`), "-out", p(`${name}.pem`), "-days", "1", "-subj", `/CN=${name}`);
  const leaf = (name: string, caName: string, cn: string, san?: string) => {
    run("req", ...newKey, "-keyout", p(`${name}.key`), "-out", p(`${name}.csr`), "-subj", `/CN=${cn}`);
    const ext = p(`${name}.ext`);
    writeFileSync(ext, san ? `subjectAltName=${san}\n` : "basicConstraints=CA:FALSE\n");
    run("x509", "-req", "-in", p(`${name}.csr`), "-CA", p(`${caName}.pem`), "-CAkey", p(`${caName}.key`), "-CAcreateserial", "-out", p(`${name}.pem`), "-days", "1", "-extfile", ext);
  };
  ca("client-ca");
  ca("other-ca");
  leaf("server", "client-ca", "localhost", "IP:127.0.0.1,DNS:localhost");
  leaf("alice", "client-ca", "alice");
  leaf("worker7", "client-ca", "w7", "DNS:worker-7.lab");
  leaf("mallory", "client-ca", "mallory");
  leaf("eve", "other-ca", "alice");
  const pem = (f: string) => readFileSync(p(f));
  return { dir, path: p, pem };
}

type Identity = "alice" | "worker7" | "mallory" | "eve" | undefined;

let certs: ReturnType<typeof makeCertificates>;
let t: TestServer;
const clients: Array<{ close(): void }> = [];

const opensslSkip = skipWithoutCommand("openssl", ["version"]);

before(async () => {
  if (opensslSkip) return;
  certs = makeCertificates();
  t = await startTestServer({
    WHATSNEXT_TLS_CERT_FILE: certs.path("server.pem"),
    WHATSNEXT_TLS_KEY_FILE: certs.path("server.key"),
    WHATSNEXT_TLS_CLIENT_CA_FILE: certs.path("client-ca.pem"),
    WHATSNEXT_TLS_CLIENT_ROLES: "alice:viewer,worker-7.lab:submitter",
  });
});
after(async () => {
  clients.forEach((c) => c.close());
  await t?.close();
});

/** A ProjectService client over the protocol presenting the identity's certificate (none when undefined). */
function projectsAs(protocol: Protocol, identity: Identity) {
  const ca = certs.pem("client-ca.pem");
  const cert = identity ? certs.pem(`${identity}.pem`) : undefined;
  const key = identity ? certs.pem(`${identity}.key`) : undefined;
  if (protocol === "grpc-js") {
    const c = createGrpcJsClient(ProjectService, t.url, grpc.credentials.createSsl(ca, key ?? null, cert ?? null));
    clients.push(c);
    return c;
  }
  const nodeOptions = { ca, cert, key };
  const transport = protocol === "connect" ? createConnectTransport({ baseUrl: t.url, httpVersion: "1.1", nodeOptions }) : createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1", nodeOptions });
  return createClient(ProjectService, transport);
}

/** Asserts the call never reached the service: the TLS handshake (or the connection) was refused. */
async function refusedAtTransport(call: Promise<unknown>) {
  try {
    await call;
  } catch (err) {
    const ce = ConnectError.from(err);
    // grpc-js says Unavailable; connect-node over HTTP/1.1 reports the reset socket as Aborted ("socket hang up").
    const transport = [Code.Unavailable, Code.Unknown, Code.Internal].includes(ce.code) || (ce.code === Code.Aborted && /socket hang up|ECONNRESET|certificate|alert/i.test(ce.message));
    assert.ok(transport, `a transport failure, got ${Code[ce.code]}: ${ce.message}`);
    return;
  }
  assert.fail("the call succeeded without an acceptable client certificate");
}

describe("mutual TLS", { skip: opensslSkip }, () => {
  it("serves over TLS", () => assert.match(t.url, /^https:\/\//));

  for (const protocol of PROTOCOLS) {
    it(`over ${protocol}: refuses no certificate and a certificate from another CA; maps CN and SAN identities to roles; refuses unmapped ones`, async () => {
      await refusedAtTransport(projectsAs(protocol, undefined).listProjects({}));
      await refusedAtTransport(projectsAs(protocol, "eve").listProjects({}));

      const alice = projectsAs(protocol, "alice");
      await alice.listProjects({});
      await rejectsWith(alice.createProject({ name: `by-alice-${protocol}` }), Code.PermissionDenied, /needs the submitter role/);

      const worker7 = projectsAs(protocol, "worker7");
      const { project } = await worker7.createProject({ name: `by-worker7-${protocol}` });
      assert.ok(project);
      await rejectsWith(worker7.deleteProject({ project: { case: "id", value: project.id } }), Code.PermissionDenied, /needs the admin role/);

      await rejectsWith(projectsAs(protocol, "mallory").listProjects({}), Code.Unauthenticated, /not mapped to a role/);
    });
  }
});
