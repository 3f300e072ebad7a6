import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { ProjectService } from "../gen/whatsnext/v1/project_pb.js";
import { rejectsWith } from "./support/assertions.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t?.close());

it("counts calls by method and code at GET /metrics", async () => {
  const projects = t.client(ProjectService, "connect");
  await projects.createProject({ name: "metrics" });
  await rejectsWith(projects.createProject({ name: "metrics" }), Code.AlreadyExists);
  const res = await fetch(`${t.url}/metrics`);
  assert.equal(res.status, 200);
  const body = await res.text();
  assert.match(body, /whatsnext_rpc_calls_total\{method="whatsnext.v1.ProjectService\/CreateProject",code="ok"\} 1/);
  assert.match(body, new RegExp(`whatsnext_rpc_calls_total\\{method="whatsnext.v1.ProjectService/CreateProject",code="${Code.AlreadyExists}"\\} 1`));
  assert.match(body, /process_resident_memory_bytes/);
});
