import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { AbortedError } from "../../src/domain/errors.js";
import { codeOf } from "../../src/interceptors/error-details.js";
import { isRetryable } from "../../src/worker/reporting-call.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

/**
 * A deadlock between two transactions is broken by PostgreSQL cancelling one
 * of them: that call stored nothing and succeeds when sent again, so it is
 * Aborted (which clients retry), never Internal.
 */
const onPostgres = Boolean(process.env.DATABASE_URL);
let t: TestServer;
before(async () => {
  if (onPostgres) t = await startTestServer();
});
after(() => t?.close());

it(
  "answers the call PostgreSQL cancels to break a deadlock as Aborted, which a worker retries",
  { skip: !onPostgres && "needs PostgreSQL (DATABASE_URL): the embedded database runs one transaction at a time" },
  async () => {
    const db = t.server.app.db.sql;
    await db.query("create table conflict_probe (id int primary key, n int not null)");
    await db.query("insert into conflict_probe values (1, 0), (2, 0)");
    // Each transaction locks one row, then waits (on the other's lock) for the other one's row.
    let locked = 0;
    let bothLocked!: () => void;
    const ready = new Promise<void>((resolve) => (bothLocked = resolve));
    const crossing = (first: number, second: number) =>
      db.transaction(async (tx) => {
        await tx.query("update conflict_probe set n = n + 1 where id = ?", [first]);
        if (++locked === 2) bothLocked();
        await ready;
        await tx.query("update conflict_probe set n = n + 1 where id = ?", [second]);
      });
    const outcomes = await Promise.allSettled([crossing(1, 2), crossing(2, 1)]);
    const failed = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
    assert.equal(failed.length, 1, "PostgreSQL cancels exactly one of the two");
    const err = failed[0];
    assert.ok(err instanceof AbortedError, `a deadlock is AbortedError, got ${String(err)}`);
    assert.equal(codeOf(err), Code.Aborted);
    assert.match(err.message, /nothing was stored, retry it/);
    assert.ok(isRetryable(new ConnectError(err.message, codeOf(err))), "a worker retries an Aborted report");
    // The cancelled transaction stored nothing: one transaction's two increments remain.
    const rows = await db.query<{ n: number }>("select n from conflict_probe order by id");
    assert.deepEqual(rows.map((r) => r.n), [1, 1]);
  },
);
