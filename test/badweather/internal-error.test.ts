import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { rejectsWith } from "../support/assertions.js";
import { PROTOCOLS, startTestServer, type TestServer } from "../support/test-server.js";

/** The server's JSON log lines, as written. */
const logLines: Array<Record<string, unknown>> = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let t: TestServer;
before(async () => {
  t = await startTestServer({ LOG_LEVEL: "info" }, logSink);
});
after(() => t?.close());

/** Runs SQL on the server's own database behind its back (its own pool, outside any call). */
function behindItsBack(sql: string): Promise<unknown> {
  return t.server.app.db.sql.query(sql);
}

// What must never reach a caller: SQL, table internals, or a stack trace.
const LEAKS = /\b(select|insert|update|from|column|relation|syntax)\b|project_gone|\n\s+at |\.ts:\d+/i;

it("answers an unexpected database failure with Internal naming only the request id, and logs that id", async () => {
  await t.client(ProjectService, "connect").createProject({ name: "before-the-break", description: "d" });
  await behindItsBack("alter table project rename to project_gone");
  try {
    for (const protocol of PROTOCOLS) {
      const requestId = `internal-${protocol}-1`;
      const projects = t.client(ProjectService, protocol, { "x-request-id": requestId });
      const err = await rejectsWith(projects.listProjects({}), Code.Internal, /request id/);
      assert.match(err.rawMessage, new RegExp(`request id ${requestId}\\b`), protocol);
      assert.doesNotMatch(err.rawMessage, LEAKS, protocol);
      const logged = logLines.find((l) => l.requestId === requestId && l.msg === "internal error");
      assert.ok(logged, `an "internal error" log line with request id ${requestId}`);
      // The log has what an operator needs; the caller got none of it.
      assert.match(String((logged.err as { message?: string }).message), /relation "project" does not exist/);

      // Without a caller's id the server makes one, and the answer and the log still agree.
      const generated = await rejectsWith(t.client(ProjectService, protocol).createProject({ name: `x-${protocol}` }), Code.Internal, /request id/);
      const id = /request id ([\w-]+)/.exec(generated.rawMessage)?.[1];
      assert.ok(id);
      assert.ok(logLines.some((l) => l.requestId === id && l.msg === "internal error"), `log line for generated id ${id}`);
    }

    // The whole Connect error body, as curl would show it.
    const res = await fetch(`${t.url}/whatsnext.v1.ProjectService/ListProjects`, { method: "POST", headers: { "content-type": "application/json", "x-request-id": "raw-body" }, body: "{}" });
    const body = await res.text();
    assert.equal(res.status, 500);
    assert.equal(res.headers.get("x-request-id"), "raw-body");
    assert.deepEqual(JSON.parse(body), { code: "internal", message: "internal error (request id raw-body)" });
  } finally {
    await behindItsBack("alter table project_gone rename to project");
  }
  // Healed behind its back too: the server answers again.
  const { projects } = await t.client(ProjectService, "grpc-js").listProjects({});
  assert.ok(projects.some((p) => p.name === "before-the-break"));
});
