/**
 * The CLI and client library against a server that requires API keys and
 * one that serves TLS: the key from a flag, a key file, the environment or
 * `.whatsnext`; key management with `keys`; roles enforced; https:// with a
 * private CA.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect } from "../src/client/index.js";
import { runCli, tempFolder, fails, ok } from "./support/run-cli.js";
import { startTestServer, type TestServer } from "./support/test-server.js";
import { skipWithoutCommand } from "./support/system-tools.js";

describe("with API keys", () => {
  const admin = `wnxt_test_admin_${randomBytes(12).toString("hex")}`;
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ WHATSNEXT_API_KEYS: admin });
  });
  after(async () => {
    await t?.close();
  });

  it("sends the key from a flag, a key file, the environment or .whatsnext, and says what is missing without one", async () => {
    const folder = tempFolder();
    const keyFile = join(folder, "key.txt");
    writeFileSync(keyFile, `\n${admin}\n`, { mode: 0o600 });
    const configured = tempFolder();
    writeFileSync(join(configured, ".whatsnext"), `server: ${t.url}\napi_key_file: ../${folder.split("/").at(-1)}/key.txt\n`);
    const env = { WHATSNEXT_SERVER: t.url };
    const [none, flag, file, fromEnv, fromConfig, wrong, missingFile] = await Promise.all([
      runCli(["projects", "ls"], { env }),
      runCli(["projects", "create", "auth-flag", "--api-key", admin], { env }),
      runCli(["projects", "create", "auth-file", "--api-key-file", keyFile], { env }),
      runCli(["projects", "create", "auth-env"], { env: { ...env, WHATSNEXT_API_KEY: admin } }),
      runCli(["projects", "create", "auth-config"], { cwd: configured }),
      runCli(["projects", "ls", "--api-key", "wnxt_not_a_key_at_all_123456"], { env }),
      runCli(["projects", "ls", "--api-key-file", join(folder, "missing")], { env }),
    ]);
    fails(none, 1, /unauthenticated: pass --api-key/);
    ok(flag, "--api-key");
    ok(file, "--api-key-file");
    ok(fromEnv, "WHATSNEXT_API_KEY");
    ok(fromConfig, "api_key_file in .whatsnext");
    fails(wrong, 1, /unauthenticated/);
    fails(missingFile, 2, /api key file .*missing cannot be read/);
  });

  it("creates, lists and revokes keys; a key's role limits what it may do", async () => {
    const env = { WHATSNEXT_SERVER: t.url, WHATSNEXT_API_KEY: admin };
    const created = ok(await runCli(["keys", "create", "reader", "--role", "viewer", "--expires", "30d", "--json"], { env }), "keys create");
    const { key, secret } = created.json<{ key: { name: string; role: string; prefix: string }; secret: string }>();
    assert.equal(key.role, "ROLE_VIEWER");
    assert.ok(secret.startsWith(key.prefix));
    const reader = { WHATSNEXT_SERVER: t.url, WHATSNEXT_API_KEY: secret };
    const [ls, read, write, badRole, asViewer] = await Promise.all([
      runCli(["keys", "ls", "--json"], { env }),
      runCli(["projects", "ls"], { env: reader }),
      runCli(["projects", "create", "by-reader"], { env: reader }),
      runCli(["keys", "create", "x", "--role", "emperor"], { env }),
      runCli(["keys", "ls"], { env: reader }),
    ]);
    assert.ok(ok(ls, "keys ls").json<Array<{ name: string }>>().some((k) => k.name === "reader"));
    ok(read, "a viewer reads");
    fails(write, 1, /permission_denied|denied/i);
    fails(badRole, 2, /unknown role "emperor"/);
    fails(asViewer, 1, /permission_denied|denied/i);
    ok(await runCli(["keys", "revoke", "reader"], { env }), "revoke");
    const [revoked, all] = await Promise.all([runCli(["projects", "ls"], { env: reader }), runCli(["keys", "ls", "--all", "--json"], { env })]);
    fails(revoked, 1, /unauthenticated/);
    assert.ok(ok(all, "keys ls --all").json<Array<{ name: string; revokeTime?: string }>>().find((k) => k.name === "reader")?.revokeTime);
  });
});

describe("over TLS", { skip: skipWithoutCommand("openssl", ["version"]) }, () => {
  let t: TestServer;
  let ca: string;
  before(async () => {
    const dir = tempFolder("wn-tls-");
    ca = join(dir, "ca.pem");
    const sh = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    sh(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=wn test ca"]);
    sh(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
    writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    sh(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"]);
    t = await startTestServer({ WHATSNEXT_TLS_CERT_FILE: join(dir, "server.pem"), WHATSNEXT_TLS_KEY_FILE: join(dir, "server.key") });
  });
  after(async () => {
    await t?.close();
  });

  it("connects to https:// with the CA file, refuses an unknown CA, and rejects TLS files for http://", async () => {
    assert.match(t.url, /^https:\/\//);
    const [trusted, untrusted, tlsOnHttp] = await Promise.all([
      runCli(["projects", "create", "over-tls", "--json", "--tls-ca", ca], { env: { WHATSNEXT_SERVER: t.url } }),
      runCli(["projects", "ls"], { env: { WHATSNEXT_SERVER: t.url } }),
      runCli(["projects", "ls", "--tls-ca", ca], { env: { WHATSNEXT_SERVER: t.url.replace("https", "http") } }),
    ]);
    assert.equal(ok(trusted, "with --tls-ca").json<{ name: string }>().name, "over-tls");
    fails(untrusted, 1, /certificate|self.signed|unable to verify/i);
    fails(tlsOnHttp, 2, /tlsCaFile needs an https:\/\/ server/);
    // The library takes the same settings.
    const client = connect({ server: t.url, tlsCaFile: ca });
    try {
      const { projects } = await client.projects.listProjects({});
      assert.ok(projects.some((p) => p.name === "over-tls"));
    } finally {
      client.close();
    }
  });
});
