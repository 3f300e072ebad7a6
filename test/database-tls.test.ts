/**
 * TLS to PostgreSQL: DATABASE_URL with sslmode=verify-full and sslrootcert
 * (and sslcert/sslkey for a client certificate) against a cluster of this
 * file's own, whose certificate comes from its own CA. What the server says
 * it does is not trusted: the cluster says which connections are encrypted
 * (pg_stat_ssl for the open ones, its connection log for the migrator's,
 * which are closed by the time the server serves). A certificate from
 * another CA, or for another host, and any other database it cannot reach,
 * end `whatsnext serve` with one line.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import net from "node:net";
import pg from "pg";
import { JobStatus } from "../gen/whatsnext/v1/common_pb.js";
import { queueFixture } from "./support/queue-fixtures.js";
import { PostgresCluster, skipWithoutPostgresCluster } from "./support/postgres-cluster.js";
import { startCli, type CliResult } from "./support/run-cli.js";
import { createSelfSignedCert, type SelfSignedCert } from "./support/self-signed-cert.js";
import { startTestServer } from "./support/test-server.js";

/** A role that may log in only with a client certificate from the cluster's CA (`cert` authentication). */
const CERT_USER = "whatsnext_cert";

/** The server's connections: the pool, the LISTEN connection, the migration lock and MikroORM's migrator. */
const SERVER_CONNECTIONS = ["whatsnext", "whatsnext-listener", "whatsnext-migrate", "whatsnext-migrator"];

interface OpenConnection {
  application_name: string;
  ssl: boolean;
  version: string | null;
  client_dn: string | null;
}

interface LoggedConnection {
  applicationName: string;
  ssl: boolean;
}

describe("TLS to the database", { skip: skipWithoutPostgresCluster({ tls: true }) }, () => {
  let cluster: PostgresCluster;
  let otherCa: SelfSignedCert;

  before(async () => {
    cluster = await PostgresCluster.start({
      tls: { serverNames: ["localhost"] },
      // Without TLS, connections are still allowed: what this file shows is that the server asks for TLS, not that the cluster forces it.
      hba: ["local all all trust", `hostssl all ${CERT_USER} 127.0.0.1/32 cert`, "host all all 127.0.0.1/32 trust"],
      settings: { log_connections: true },
    });
    otherCa = createSelfSignedCert();
  });

  after(async () => {
    await cluster?.remove();
    otherCa?.remove();
  });

  /** The server's connections to database that are open now, as the cluster sees them. */
  function openConnections(database: string): Promise<OpenConnection[]> {
    return cluster.admin(async (c) => {
      const r = await c.query<OpenConnection>(
        `select a.application_name, s.ssl, s.version, s.client_dn
           from pg_stat_activity a join pg_stat_ssl s using (pid)
          where a.datname = $1 and a.application_name like 'whatsnext%'
          order by a.application_name`,
        [database],
      );
      return r.rows;
    });
  }

  /** Every connection to database the cluster logged (log_connections), with whether it was encrypted. */
  function loggedConnections(database: string): LoggedConnection[] {
    // A connection that sets no application_name is logged without one: it counts too.
    const pattern = new RegExp(`connection authorized: user=\\S+ database=${database}(?: application_name=(\\S*))?( SSL enabled)?`);
    return cluster
      .log()
      .split("\n")
      .flatMap((line) => {
        const m = pattern.exec(line);
        return m ? [{ applicationName: m[1] ?? "(none)", ssl: m[2] !== undefined }] : [];
      });
  }

  /** Starts the server on url, runs a job through it, and checks that every connection it made was encrypted. */
  async function serveOverTls(database: string, url: string): Promise<OpenConnection[]> {
    const t = await startTestServer({ DATABASE_URL: url });
    try {
      const f = await queueFixture(t, "connect", "tls");
      const jobId = await f.createJob();
      const workerId = await f.registerWorker();
      const fetched = await f.workers.fetchJob({ workerId, project: { case: "projectId", value: f.project.id } });
      assert.deepEqual(fetched.jobs.map((j) => j.id), [jobId]);
      await f.workers.finishJob({ jobId, workerId, success: true });
      assert.equal((await f.jobs.getJob({ id: jobId })).job!.status, JobStatus.COMPLETED);

      const open = await openConnections(database);
      const openNames = new Set(open.map((c) => c.application_name));
      assert.ok(openNames.has("whatsnext") && openNames.has("whatsnext-listener"), `the pool and the LISTEN connection are open: ${JSON.stringify(open)}`);
      for (const c of open) assert.ok(c.ssl, `${c.application_name} is connected without TLS`);

      // Only the server connects to this database (the test's own connections go to "postgres").
      const logged = loggedConnections(database);
      assert.deepEqual(logged.filter((c) => !c.ssl), [], "every connection of the server to its database is encrypted");
      for (const name of SERVER_CONNECTIONS) {
        assert.ok(logged.some((c) => c.applicationName === name), `the cluster logged no ${name} connection: ${JSON.stringify(logged)}`);
      }
      return open;
    } finally {
      await t.close();
    }
  }

  it("serves over sslmode=verify-full with the cluster's CA: pool, LISTEN connection and migrator all encrypted", async () => {
    const database = "wn_tls_verify_full";
    await cluster.createDatabase(database);
    const open = await serveOverTls(database, cluster.url(database, { params: { sslmode: "verify-full", sslrootcert: cluster.tls!.caFile } }));
    for (const c of open) assert.match(c.version ?? "", /^TLSv1\.[23]$/);
  });

  it("logs in with a client certificate (sslcert, sslkey) where the cluster demands one", async () => {
    const database = "wn_tls_client_cert";
    await cluster.createDatabase(database, CERT_USER);
    const client = cluster.tls!.issueClientCertificate(CERT_USER);
    const params = { sslmode: "verify-full", sslrootcert: cluster.tls!.caFile, sslcert: client.certFile, sslkey: client.keyFile };
    const open = await serveOverTls(database, cluster.url(database, { user: CERT_USER, params }));
    for (const c of open) assert.equal(c.client_dn, `/CN=${CERT_USER}`, `${c.application_name} presented the client certificate`);
  });

  it("a certificate from another CA, for another host, or a database it cannot reach: `whatsnext serve` stops with one line", async () => {
    const database = "wn_tls_refusals";
    await cluster.createDatabase(database);
    const password = "never-printed-4f1c";
    const verifyFull = (sslrootcert: string) => ({ sslmode: "verify-full", sslrootcert });
    const cases: Array<{ what: string; url: string; says: RegExp }> = [
      {
        what: "a certificate from another CA",
        url: cluster.url(database, { password, params: verifyFull(otherCa.certFile) }),
        says: /: the server's certificate is not signed by the CA in sslrootcert \S+ \(.+\); set sslrootcert to the CA file that signed the database server's certificate$/,
      },
      {
        what: "a certificate for another host",
        url: cluster.url(database, { host: "127.0.0.1", password, params: verifyFull(cluster.tls!.caFile) }),
        says: /: the server's certificate is not issued for host 127\.0\.0\.1 \(it names DNS:localhost\); connect with a host name the certificate carries/,
      },
      {
        what: "an sslrootcert that is not there",
        url: cluster.url(database, { password, params: verifyFull(`${cluster.dir}/no-such-ca.pem`) }),
        says: /: cannot read sslrootcert \S+no-such-ca\.pem \(no such file\); correct sslrootcert/,
      },
      {
        what: "a database that does not exist",
        url: cluster.url("wn_tls_nowhere", { password, params: verifyFull(cluster.tls!.caFile) }),
        says: /: database "wn_tls_nowhere" does not exist; create it \(createdb wn_tls_nowhere\)/,
      },
      {
        what: "an address that refuses",
        url: `postgres://postgres:${password}@127.0.0.1:${await closedPort()}/${database}`,
        says: /: nothing accepts connections at 127\.0\.0\.1:\d+ \(connection refused\); start PostgreSQL there/,
      },
    ];
    const results = await Promise.all(cases.map((c) => serveUntilItEnds(c.url)));
    cases.forEach((c, i) => {
      const r = results[i]!;
      const shown = `${c.what}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
      assert.equal(r.code, 1, shown);
      assert.equal(r.stdout, "", `nothing on stdout (${shown})`);
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, `one line (${shown})`);
      const line = lines[0]!;
      assert.ok(line.startsWith("could not connect to the database at DATABASE_URL=postgres://postgres@"), shown);
      assert.match(line, c.says, shown);
      assert.ok(!line.includes(password), `the password is not shown (${shown})`);
    });
  });

  it("sslmode as pg reads it: require verifies like verify-full; no-verify encrypts without checking; disable stays in clear", async () => {
    const database = "postgres";
    // What SECURITY.md tells operators, held to the pg version the server ships with.
    const connect = async (params: Record<string, string>): Promise<{ ssl: boolean } | { error: string }> => {
      const client = new pg.Client({ connectionString: cluster.url(database, { params }) });
      try {
        await client.connect();
        const r = await client.query<{ ssl: boolean }>("select ssl from pg_stat_ssl where pid = pg_backend_pid()");
        return r.rows[0]!;
      } catch (err) {
        return { error: (err as Error).message };
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    assert.ok("error" in (await connect({ sslmode: "require", sslrootcert: otherCa.certFile })), "require checks the CA");
    process.off("warning", onWarning);
    assert.ok(
      warnings.some((w) => w.includes("SECURITY WARNING: The SSL modes 'prefer', 'require', and 'verify-ca' are treated as aliases for 'verify-full'")),
      `pg warns that require means verify-full: ${JSON.stringify(warnings)}`,
    );
    assert.deepEqual(await connect({ sslmode: "no-verify" }), { ssl: true }, "no-verify encrypts, and accepts any certificate");
    assert.deepEqual(await connect({ uselibpqcompat: "true", sslmode: "require" }), { ssl: true }, "libpq's require encrypts without checking");
    assert.ok("error" in (await connect({ uselibpqcompat: "true", sslmode: "verify-full", sslrootcert: otherCa.certFile })), "libpq's verify-full checks the CA");
    assert.deepEqual(await connect({ sslmode: "disable" }), { ssl: false });
  });
});

/**
 * Runs `whatsnext serve` on the URL until it ends. One that starts serving
 * (the refusal this file expects did not happen) is stopped, and its result
 * says so, instead of leaving the test waiting for ever.
 */
async function serveUntilItEnds(databaseUrl: string): Promise<CliResult> {
  const run = startCli(["serve"], { env: { DATABASE_URL: databaseUrl, WHATSNEXT_PORT: "0" } });
  const serving = run.waitFor(/whatsnext serving/, "stdout").then(
    () => true,
    () => false,
  );
  if (await Promise.race([serving, run.done.then(() => false)])) run.child.kill("SIGTERM");
  return run.done;
}

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
