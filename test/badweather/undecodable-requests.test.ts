import assert from "node:assert/strict";
import http2 from "node:http2";
import { Writable } from "node:stream";
import { gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import type { JsonObject } from "@bufbuild/protobuf";
import { JobService } from "../../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { TaskService } from "../../gen/whatsnext/v1/task_pb.js";
import { rejectsWith } from "../support/assertions.js";
import { uniqueName } from "../support/queue-fixtures.js";
import { PROTOCOLS, startTestServer, type TestServer } from "../support/test-server.js";

const MAX_MESSAGE_BYTES = 64 * 1024;

/** The server's JSON log lines, as written. */
const logLines: Array<Record<string, unknown>> = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let t: TestServer;
let projectId: bigint;
before(async () => {
  t = await startTestServer({ WHATSNEXT_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES), LOG_LEVEL: "info" }, logSink);
  projectId = (await t.client(ProjectService).createProject({ name: uniqueName("undecodable") })).project!.id;
  await t.client(TaskService).createTask({ projectId, name: "step" });
});
after(() => t?.close());

const CREATE_PROJECT = "/whatsnext.v1.ProjectService/CreateProject";
const GET_PROJECT = "/whatsnext.v1.ProjectService/GetProject";
const WATCH_JOBS = "/whatsnext.v1.JobService/WatchJobs";

/** A length-prefixed envelope (gRPC, gRPC-Web, Connect streaming): flags, 4-byte big-endian length, payload. */
function envelope(payload: Buffer, flags = 0): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** The envelopes of a response body. */
function envelopes(body: Buffer): Array<{ flags: number; data: Buffer }> {
  const out: Array<{ flags: number; data: Buffer }> = [];
  for (let i = 0; i + 5 <= body.length; ) {
    const length = body.readUInt32BE(i + 1);
    out.push({ flags: body[i]!, data: body.subarray(i + 5, i + 5 + length) });
    i += 5 + length;
  }
  return out;
}

/** What an error answer says, whatever the protocol wrote it as. */
interface Answer {
  code: Code | undefined;
  message: string;
  requestId: string | undefined;
}

/** A gRPC call over raw HTTP/2 with a hand-made body; the status from the trailers. */
function grpcCall(path: string, body: Buffer, contentType = "application/grpc", requestId?: string, more: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(t.url);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": path, "content-type": contentType, te: "trailers", ...(requestId ? { "x-request-id": requestId } : {}), ...more });
    let trailers: http2.IncomingHttpHeaders = {};
    req.on("trailers", (h) => (trailers = h));
    req.on("data", () => undefined);
    req.on("error", reject);
    req.on("close", () => {
      session.close();
      resolve({ code: Number(trailers["grpc-status"]) as Code, message: decodeURIComponent(String(trailers["grpc-message"] ?? "")), requestId: trailers["x-request-id"] as string | undefined });
    });
    req.end(body);
  });
}

/** A gRPC-Web call over HTTP/1.1 with a hand-made body; the status from the trailer envelope. */
async function grpcWebCall(path: string, body: Buffer, contentType = "application/grpc-web+proto", requestId?: string): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, { method: "POST", headers: { "content-type": contentType, ...(requestId ? { "x-request-id": requestId } : {}) }, body: new Uint8Array(body) });
  const trailer = envelopes(Buffer.from(await res.arrayBuffer())).find((e) => e.flags & 0x80);
  assert.ok(trailer, "a trailer envelope");
  const fields = new Map(
    trailer.data
      .toString("latin1")
      .split("\r\n")
      .filter(Boolean)
      .map((line) => line.split(/: ?(.*)/s, 2) as [string, string]),
  );
  return { code: Number(fields.get("grpc-status")) as Code, message: decodeURIComponent(fields.get("grpc-message") ?? ""), requestId: fields.get("x-request-id") };
}

/** A Connect unary call (POST, or GET with the query given); the code and message from the JSON error body. */
async function connectUnaryCall(path: string, body: Buffer | undefined, contentType = "application/proto", requestId?: string, more: Record<string, string> = {}): Promise<Answer & { status: number }> {
  const headers: Record<string, string> = { ...(requestId ? { "x-request-id": requestId } : {}), ...more };
  const init: RequestInit = body === undefined ? { headers } : { method: "POST", headers: { ...headers, "content-type": contentType }, body: new Uint8Array(body) };
  const res = await fetch(`${t.url}${path}`, init);
  const json = (await res.json()) as { code?: string; message?: string };
  return { status: res.status, code: codeFromString(json.code ?? ""), message: json.message ?? "", requestId: res.headers.get("x-request-id") ?? undefined };
}

/** A Connect streaming call (WatchJobs) with a hand-made envelope; the error of the end-of-stream message. */
async function connectStreamCall(path: string, body: Buffer, contentType = "application/connect+proto", requestId?: string): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, { method: "POST", headers: { "content-type": contentType, ...(requestId ? { "x-request-id": requestId } : {}) }, body: new Uint8Array(body) });
  const end = envelopes(Buffer.from(await res.arrayBuffer())).find((e) => e.flags & 0x02);
  assert.ok(end, "an end-of-stream envelope");
  const json = JSON.parse(end.data.toString("utf8")) as { error?: { code: string; message: string }; metadata?: Record<string, string[]> };
  return { code: codeFromString(json.error?.code ?? ""), message: json.error?.message ?? "", requestId: json.metadata?.["x-request-id"]?.[0] };
}

/** Nested JSON objects, `depth` deep, as job parameters. */
function nested(depth: number): JsonObject {
  let value: JsonObject = { leaf: true };
  for (let i = 1; i < depth; i++) value = { inner: value };
  return value;
}

// Protobuf bytes a message cannot be: an illegal tag with wire type 7.
const RANDOM_BYTES = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
// CreateProjectRequest { name = "bad\xff\xfe" }: field 1, length 5, then bytes that are not UTF-8.
const NAME_NOT_UTF8 = Buffer.from([0x0a, 0x05, 0x62, 0x61, 0x64, 0xff, 0xfe]);
// WatchJobsRequest { project_id = <an illegal varint> }: ten continuation bytes.
const VARINT_TOO_LONG = Buffer.from([0x08, ...Array(10).fill(0xff), 0x01]);

function assertInvalidArgument(answer: Answer, requestId: string, what: string): void {
  assert.equal(answer.code, Code.InvalidArgument, `${what}: code (message "${answer.message}")`);
  assert.match(answer.message, /cannot decode message whatsnext\.v1\.\w+ from binary: \S/, what);
  assert.equal(answer.requestId, requestId, `${what}: the request id comes back`);
  assert.ok(
    logLines.some((l) => l.requestId === requestId && l.msg === "call failed" && l.code === Code.InvalidArgument),
    `${what}: a "call failed" log line with request id ${requestId}`,
  );
}

describe("requests that cannot be decoded are InvalidArgument, with the request id, on every protocol", () => {
  for (const [what, body] of [
    ["random bytes", RANDOM_BYTES],
    ["a string that is not UTF-8", NAME_NOT_UTF8],
  ] as const) {
    it(`answers ${what} in a unary request with InvalidArgument`, async () => {
      const id = (p: string) => `undecodable-${what.replace(/\W+/g, "-")}-${p}`;
      assertInvalidArgument(await grpcCall(CREATE_PROJECT, envelope(body), "application/grpc", id("grpc")), id("grpc"), "gRPC");
      assertInvalidArgument(await grpcWebCall(CREATE_PROJECT, envelope(body), "application/grpc-web+proto", id("grpc-web")), id("grpc-web"), "gRPC-Web");
      const connect = await connectUnaryCall(CREATE_PROJECT, body, "application/proto", id("connect"));
      assert.equal(connect.status, 400, "Connect: HTTP 400");
      assertInvalidArgument(connect, id("connect"), "Connect binary");
      if (body === NAME_NOT_UTF8) assert.match(connect.message, /: a string field is not valid UTF-8$/);
    });
  }

  it("answers a compressed request cut short with InvalidArgument", async () => {
    const gzipped = gzipSync(Buffer.from([0x0a, 0x03, 0x61, 0x62, 0x63]));
    const cut = gzipped.subarray(0, gzipped.length - 6);
    const grpc = await grpcCall(CREATE_PROJECT, envelope(cut, 1), "application/grpc", "gzip-grpc", { "grpc-encoding": "gzip" });
    assert.equal(grpc.code, Code.InvalidArgument);
    assert.match(grpc.message, /^cannot decompress message whatsnext\.v1\.CreateProjectRequest/);
    assert.equal(grpc.requestId, "gzip-grpc");
    const connect = await connectUnaryCall(CREATE_PROJECT, cut, "application/proto", "gzip-connect", { "content-encoding": "gzip" });
    assert.equal(connect.status, 400);
    assert.equal(connect.code, Code.InvalidArgument);
    assert.equal(connect.requestId, "gzip-connect");
  });

  it("answers an undecodable streaming request (WatchJobs) with InvalidArgument", async () => {
    for (const body of [RANDOM_BYTES, VARINT_TOO_LONG]) {
      const n = body.length;
      assertInvalidArgument(await grpcCall(WATCH_JOBS, envelope(body), "application/grpc", `stream-grpc-${n}`), `stream-grpc-${n}`, "gRPC stream");
      assertInvalidArgument(await grpcWebCall(WATCH_JOBS, envelope(body), "application/grpc-web+proto", `stream-web-${n}`), `stream-web-${n}`, "gRPC-Web stream");
      assertInvalidArgument(await connectStreamCall(WATCH_JOBS, envelope(body), "application/connect+proto", `stream-connect-${n}`), `stream-connect-${n}`, "Connect stream");
    }
  });

  for (const protocol of [...PROTOCOLS, "connect-json"] as const) {
    it(`answers job parameters nested deeper than 100 with InvalidArgument over ${protocol}, and takes 20 deep`, async () => {
      const jobs =
        protocol === "connect-json"
          ? createClient(JobService, createConnectTransport({ baseUrl: t.url, httpVersion: "1.1", useBinaryFormat: false }))
          : t.client(JobService, protocol);
      const requestId = `deep-${protocol}`;
      const err = await rejectsWith(
        jobs.createJob({ projectId, task: { case: "taskName", value: "step" }, parameters: nested(101) }, { headers: { "x-request-id": requestId } }),
        Code.InvalidArgument,
        /maximum recursion depth/,
      );
      assert.equal(err.metadata.get("x-request-id"), requestId, "the request id comes back");
      const { job } = await jobs.createJob({ projectId, task: { case: "taskName", value: "step" }, parameters: nested(20) });
      assert.deepEqual(job!.parameters, nested(20));
    });
  }

  it("answers other errors found before the interceptors with the request id too", async () => {
    const truncated = await grpcCall(CREATE_PROJECT, Buffer.concat([envelope(Buffer.from([10, 1, 0x61])).subarray(0, 5), Buffer.from([10])]), "application/grpc", "early-truncated");
    assert.equal(truncated.code, Code.InvalidArgument);
    assert.match(truncated.message, /incomplete envelope/);
    assert.equal(truncated.requestId, "early-truncated");
    const tooBig = await connectUnaryCall(CREATE_PROJECT, Buffer.from(JSON.stringify({ name: "x".repeat(MAX_MESSAGE_BYTES + 1) })), "application/json", "early-too-big");
    assert.equal(tooBig.code, Code.ResourceExhausted);
    assert.equal(tooBig.requestId, "early-too-big");
  });
});

describe("text that is not UTF-8 is refused on every protocol, real U+FFFD is text", () => {
  const notUtf8Json = (name: string) => Buffer.concat([Buffer.from(`{"name":"${name}`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);

  async function assertNotStored(name: string): Promise<void> {
    const { projects } = await t.client(ProjectService).listProjects({ pageSize: 1000 });
    assert.ok(!projects.some((p) => p.name.startsWith(name)), `no project named ${name}… was stored`);
  }

  it("refuses a Connect JSON body that is not UTF-8, naming the first bad byte", async () => {
    const res = await connectUnaryCall(CREATE_PROJECT, notUtf8Json("bad-json"), "application/json", "utf8-connect-json");
    assert.equal(res.status, 400);
    assert.equal(res.code, Code.InvalidArgument);
    assert.equal(res.message, "request message is not valid UTF-8: byte 0xff at offset 17");
    assert.equal(res.requestId, "utf8-connect-json");
    await assertNotStored("bad-json");
  });

  it("refuses a Connect GET whose message is not UTF-8, as text and as base64", async () => {
    const asText = await connectUnaryCall(`${GET_PROJECT}?encoding=json&message=${encodeURIComponent('{"name":"bad')}%FF%FE%22%7D`, undefined);
    assert.equal(asText.status, 400);
    assert.equal(asText.code, Code.InvalidArgument);
    assert.match(asText.message, /^query parameter "message" is not valid UTF-8: byte 0xff at offset 12 \(after percent-decoding\)$/);
    const asBase64 = await connectUnaryCall(`${GET_PROJECT}?encoding=json&base64=1&message=${notUtf8Json("bad-get").toString("base64url")}`, undefined);
    assert.equal(asBase64.code, Code.InvalidArgument);
    assert.match(asBase64.message, /not valid UTF-8/);
  });

  it("refuses an HTTP/2 request whose path is not ASCII", async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const session = http2.connect(t.url);
      session.on("error", reject);
      const req = session.request({ ":method": "GET", ":path": `${GET_PROJECT}?encoding=json&message={"name":"bad\xff"}` });
      let status = 0;
      let body = "";
      req.on("response", (h) => (status = Number(h[":status"])));
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("error", reject);
      req.on("close", () => {
        session.close();
        resolve({ status, body });
      });
      req.end();
    });
    assert.equal(answer.status, 400);
    assert.deepEqual(JSON.parse(answer.body), { code: "invalid_argument", message: "the request path must be ASCII: percent-encode other bytes" });
  });

  it("refuses JSON envelopes that are not UTF-8: connect+json, grpc-web+json, grpc+json", async () => {
    const watch = Buffer.concat([Buffer.from('{"projectId":"1'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
    const stream = await connectStreamCall(WATCH_JOBS, envelope(watch), "application/connect+json");
    assert.equal(stream.code, Code.InvalidArgument);
    assert.match(stream.message, /^request message is not valid UTF-8: byte 0xc0 at offset 15/);
    const web = await grpcWebCall(CREATE_PROJECT, envelope(notUtf8Json("bad-web")), "application/grpc-web+json");
    assert.equal(web.code, Code.InvalidArgument);
    assert.match(web.message, /^request message is not valid UTF-8: byte 0xff at offset 16/);
    const grpc = await grpcCall(CREATE_PROJECT, envelope(notUtf8Json("bad-grpc")), "application/grpc+json");
    assert.equal(grpc.code, Code.InvalidArgument);
    assert.match(grpc.message, /not valid UTF-8/);
    await assertNotStored("bad-");
  });

  it("refuses a body that is not UTF-8 and over the size limit as too large, reading no more than the limit", async () => {
    const res = await connectUnaryCall(CREATE_PROJECT, Buffer.concat([notUtf8Json("x".repeat(MAX_MESSAGE_BYTES))]), "application/json");
    assert.equal(res.code, Code.ResourceExhausted);
  });

  it("takes U+FFFD sent as UTF-8, in a JSON body, a GET and a binary message", async () => {
    const name = `replacement-\ufffd-${process.pid}`;
    const created = await connectUnaryCall(CREATE_PROJECT, Buffer.from(JSON.stringify({ name }), "utf8"), "application/json");
    assert.equal(created.status, 200, created.message);
    const got = await fetch(`${t.url}${GET_PROJECT}?encoding=json&message=${encodeURIComponent(JSON.stringify({ name }))}`);
    assert.equal(got.status, 200);
    assert.equal(((await got.json()) as { project: { name: string } }).project.name, name);
    for (const protocol of PROTOCOLS) {
      const { project } = await t.client(ProjectService, protocol).getProject({ project: { case: "name", value: name } });
      assert.equal(project!.name, name, protocol);
    }
  });
});
