import assert from "node:assert/strict";
import http2 from "node:http2";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { Code } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/health/v1/health_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../../gen/whatsnext/v1/task_pb.js";
import { rejectsWith } from "../support/assertions.js";
import { PROTOCOLS, startTestServer, type TestServer } from "../support/test-server.js";

// Small enough to exceed cheaply, large enough for every legitimate request here.
const MAX_MESSAGE_BYTES = 64 * 1024;

let t: TestServer;
before(async () => {
  t = await startTestServer({ WHATSNEXT_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) });
});
after(() => t?.close());

/** The server still answers real calls over every protocol. */
async function assertStillServing(): Promise<void> {
  for (const protocol of PROTOCOLS) {
    assert.equal((await t.client(Health, protocol).check({})).status, Status.SERVING, protocol);
    await t.client(ProjectService, protocol).listProjects({ pageSize: 1 });
  }
}

/** A Connect unary call with a raw body, as a browser or curl would send it. */
function connectPost(method: string, body: BodyInit, contentType: string | undefined): Promise<Response> {
  const headers: Record<string, string> = contentType ? { "content-type": contentType } : {};
  return fetch(`${t.url}/whatsnext.v1.ProjectService/${method}`, { method: "POST", headers, body });
}

/** The Connect error of a response: HTTP status, then the JSON code and message. */
async function connectError(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { code: string; message: string };
  return { status: res.status, code: body.code, message: body.message };
}

/** A gRPC call over raw HTTP/2 with a hand-made body; resolves with the status trailers. */
function grpcRaw(body: Buffer): Promise<{ status: string; message: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(t.url);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": "/whatsnext.v1.ProjectService/CreateProject", "content-type": "application/grpc", te: "trailers" });
    let status = "";
    let message = "";
    req.on("trailers", (trailers) => {
      status = String(trailers["grpc-status"]);
      message = decodeURIComponent(String(trailers["grpc-message"] ?? ""));
    });
    req.on("data", () => undefined);
    req.on("error", reject);
    req.on("close", () => {
      session.close();
      resolve({ status, message });
    });
    req.end(body);
  });
}

/** A gRPC length-prefixed envelope: flags, 4-byte big-endian length, payload. */
function envelope(flags: number, declaredLength: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([head, payload]);
}

/** Writes bytes on a fresh TCP connection and returns everything the server answered before closing. */
function rawExchange(bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(t.server.port, "127.0.0.1", () => socket.end(bytes));
    let out = "";
    socket.on("data", (d) => (out += d.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => resolve(out));
  });
}

for (const protocol of PROTOCOLS) {
  describe(`hostile arguments over ${protocol}`, () => {
    it("refuses empty, blank and 10 KB names with InvalidArgument naming the field", async () => {
      const projects = t.client(ProjectService, protocol);
      await rejectsWith(projects.createProject({ name: "" }), Code.InvalidArgument, /^name must not be empty/);
      await rejectsWith(projects.createProject({ name: " \t " }), Code.InvalidArgument, /^name must not be empty/);
      await rejectsWith(projects.createProject({ name: "n".repeat(10 * 1024) }), Code.InvalidArgument, /^name must be at most 128/);
      await rejectsWith(projects.getProject({ project: { case: "name", value: "" } }), Code.InvalidArgument, /name/);
      const { project } = await projects.createProject({ name: `hostile-${protocol}` });
      await rejectsWith(t.client(TaskService, protocol).createTask({ projectId: project!.id, name: "t".repeat(10 * 1024) }), Code.InvalidArgument, /^name must be at most 128/);
      await rejectsWith(t.client(TaskService, protocol).createTask({ projectId: project!.id, name: "" }), Code.InvalidArgument, /^name must not be empty/);
      await assertStillServing();
    });

    it("refuses page_size 100000 and negative page sizes with InvalidArgument", async () => {
      const projects = t.client(ProjectService, protocol);
      await rejectsWith(projects.listProjects({ pageSize: 100_000 }), Code.InvalidArgument, /page_size must be between 1 and 1000, got 100000/);
      await rejectsWith(projects.listProjects({ pageSize: -1 }), Code.InvalidArgument, /page_size/);
      await rejectsWith(projects.listProjects({ pageToken: "\u0000\u00ff not a token" }), Code.InvalidArgument, /page_token/);
      await assertStillServing();
    });

    it("refuses a message larger than WHATSNEXT_MAX_MESSAGE_BYTES with ResourceExhausted", async () => {
      const projects = t.client(ProjectService, protocol);
      await rejectsWith(projects.createProject({ name: `big-${protocol}`, description: "x".repeat(MAX_MESSAGE_BYTES * 2) }), Code.ResourceExhausted, /larger than/);
      await rejectsWith(projects.getProject({ project: { case: "name", value: `big-${protocol}` } }), Code.NotFound);
      await assertStillServing();
    });
  });
}

describe("malformed requests on the wire", () => {
  it("answers malformed Connect JSON with 400 invalid_argument", async () => {
    for (const body of ["{not json", "[]", '{"name": 5}', '"just a string"']) {
      const err = await connectError(await connectPost("CreateProject", body, "application/json"));
      assert.equal(err.status, 400, body);
      assert.equal(err.code, "invalid_argument", body);
      assert.match(err.message, /cannot decode/, body);
    }
    const err = await connectError(await connectPost("GetProject", '{"id":"abc"}', "application/json"));
    assert.equal(err.code, "invalid_argument");
    assert.match(err.message, /GetProjectRequest\.id/);
    await assertStillServing();
  });

  it("answers garbage protobuf with a clear error, not Unknown, and no stack", async () => {
    const err = await connectError(await connectPost("CreateProject", new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), "application/proto"));
    assert.equal(err.status, 400);
    assert.equal(err.code, "invalid_argument");
    assert.match(err.message, /^cannot decode message whatsnext\.v1\.CreateProjectRequest from binary: illegal tag/);
    assert.doesNotMatch(err.message, /\n\s+at /);
    await assertStillServing();
  });

  it("answers wrong or missing content types with 415 and unknown routes with 404", async () => {
    assert.equal((await connectPost("CreateProject", "{}", "text/plain")).status, 415);
    assert.equal((await connectPost("CreateProject", "{}", "application/xml")).status, 415);
    assert.equal((await connectPost("CreateProject", "{}", undefined)).status, 415);
    assert.equal((await connectPost("NoSuchMethod", "{}", "application/json")).status, 404);
    assert.equal((await fetch(`${t.url}/no.such.Service/Method`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status, 404);
    assert.equal((await fetch(`${t.url}/whatsnext.v1.ProjectService/CreateProject`)).status, 405);
    await assertStillServing();
  });

  it("answers a Connect body over the size limit with 429 resource_exhausted", async () => {
    const err = await connectError(await connectPost("CreateProject", JSON.stringify({ name: "huge", description: "x".repeat(MAX_MESSAGE_BYTES + 1) }), "application/json"));
    assert.equal(err.status, 429);
    assert.equal(err.code, "resource_exhausted");
    await assertStillServing();
  });

  it("answers broken gRPC envelopes with a grpc-status, never a dropped connection", async () => {
    const truncated = await grpcRaw(envelope(0, 100, Buffer.from([1, 2])));
    assert.equal(truncated.status, String(Code.InvalidArgument));
    assert.match(truncated.message, /incomplete envelope/);

    const hugeDeclared = await grpcRaw(envelope(0, 0x7fffffff, Buffer.from([1])));
    assert.equal(hugeDeclared.status, String(Code.ResourceExhausted));
    assert.match(hugeDeclared.message, /larger than/);

    const compressedWithoutEncoding = await grpcRaw(envelope(1, 2, Buffer.from([10, 0])));
    assert.ok([String(Code.Internal), String(Code.Unimplemented), String(Code.InvalidArgument)].includes(compressedWithoutEncoding.status), compressedWithoutEncoding.status);
    assert.match(compressedWithoutEncoding.message, /compress/);

    const garbage = await grpcRaw(envelope(0, 5, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])));
    assert.equal(garbage.status, String(Code.InvalidArgument));
    assert.match(garbage.message, /^cannot decode message whatsnext\.v1\.CreateProjectRequest from binary: /);
    await assertStillServing();
  });

  it("answers garbage on the socket and oversized headers with an HTTP error and keeps serving", async () => {
    assert.match(await rawExchange("GARBAGE\r\n\r\n"), /^HTTP\/1\.1 400/);
    // Looks like the HTTP/2 preface at first, then is not: refused, not crashed.
    assert.match(await rawExchange("PRI * HTTP/2.0\r\n\r\nXX-not-the-preface-at-all"), /^HTTP\/1\.1 400/);
    assert.match(await rawExchange(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`), /^HTTP\/1\.1 431/);
    assert.equal(await rawExchange(Buffer.alloc(0)), "");
    await assertStillServing();
  });

  it("keeps serving through many concurrent hostile requests", async () => {
    const hostile = Array.from({ length: 60 }, (_, i) => {
      switch (i % 5) {
        case 0:
          return connectPost("CreateProject", "{broken", "application/json").then((r) => r.status);
        case 1:
          return connectPost("CreateProject", "{}", "text/plain").then((r) => r.status);
        case 2:
          return grpcRaw(envelope(0, 100, Buffer.from([1]))).then((r) => Number(r.status));
        case 3:
          return rawExchange("GARBAGE\r\n\r\n").then((s) => s.length);
        default:
          return t
            .client(ProjectService, "grpc-js")
            .listProjects({ pageSize: 100_000 })
            .then(
              () => 0,
              () => 1,
            );
      }
    });
    const outcomes = await Promise.all(hostile);
    assert.equal(outcomes.length, 60);
    assert.ok(outcomes.every((o) => o !== 0), "no hostile request may succeed");
    await assertStillServing();
  });
});
