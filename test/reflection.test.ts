import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ServerReflection as ReflectionV1 } from "../gen/grpc/reflection/v1/reflection_pb.js";
import { reflect, type ReflectionVersion } from "./support/reflection-client.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const execFileP = promisify(execFile);
const BUF = fileURLToPath(new URL("../node_modules/.bin/buf", import.meta.url));

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t?.close());

/** Runs buf curl (the npm @bufbuild/buf binary) and returns its stdout; fails the test with its stderr. */
async function bufCurl(...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileP(BUF, ["curl", ...args], { timeout: 30_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`buf curl ${args.join(" ")} failed: ${e.stderr || e.message}`);
  }
}

for (const version of ["v1", "v1alpha"] as const satisfies readonly ReflectionVersion[]) {
  describe(`reflection ${version} over grpc-js`, () => {
    it("lists the whatsnext services, health and reflection", async () => {
      const [answer] = await reflect(t.url, version, [{ host: "h", messageRequest: { case: "listServices", value: "" } }]);
      assert.equal(answer?.messageResponse.case, "listServicesResponse");
      const names = answer.messageResponse.value.service.map((s) => s.name);
      for (const name of ["whatsnext.v1.ProjectService", "whatsnext.v1.TaskService", "whatsnext.v1.JobService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]) {
        assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
      }
      assert.equal(answer.validHost, "h");
    });

    it("answers file_containing_symbol with a decodable descriptor naming the service, its imports after it", async () => {
      for (const symbol of ["whatsnext.v1.ProjectService", "whatsnext.v1.ProjectService.CreateProject", ".whatsnext.v1.CreateProjectRequest"]) {
        const [answer] = await reflect(t.url, version, [{ messageRequest: { case: "fileContainingSymbol", value: symbol } }]);
        assert.equal(answer?.messageResponse.case, "fileDescriptorResponse", symbol);
        const files = answer.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b));
        const first = files[0]!;
        assert.equal(first.package, "whatsnext.v1");
        assert.ok(first.service.some((s) => s.name === "ProjectService" && s.method.some((m) => m.name === "CreateProject")), `${first.name} declares ProjectService.CreateProject`);
        // Every import the file names is included, so a client can build the whole type graph.
        const sent = new Set(files.map((f) => f.name));
        for (const f of files) for (const dep of f.dependency) assert.ok(sent.has(dep), `${f.name} imports ${dep}, which must be sent too`);
      }
      const [job] = await reflect(t.url, version, [{ messageRequest: { case: "fileContainingSymbol", value: "whatsnext.v1.JobService" } }]);
      assert.equal(job?.messageResponse.case, "fileDescriptorResponse");
      const jobFile = fromBinary(FileDescriptorProtoSchema, job.messageResponse.value.fileDescriptorProto[0]!);
      assert.equal(jobFile.name, "whatsnext/v1/job.proto");
      assert.ok(jobFile.service.some((s) => s.name === "JobService" && s.method.some((m) => m.name === "CreateJob")));
    });

    it("answers unknown files and symbols with NOT_FOUND on the same stream, which stays usable", async () => {
      const answers = await reflect(t.url, version, [
        { messageRequest: { case: "fileByFilename", value: "no/such/file.proto" } },
        { messageRequest: { case: "fileContainingSymbol", value: "no.such.Symbol" } },
        { messageRequest: { case: "fileByFilename", value: "whatsnext/v1/project.proto" } },
      ]);
      assert.equal(answers.length, 3);
      for (const a of answers.slice(0, 2)) {
        assert.equal(a.messageResponse.case, "errorResponse");
        assert.equal(a.messageResponse.value.errorCode, 5, "NOT_FOUND");
      }
      assert.equal(answers[0]!.originalRequest?.messageRequest.value, "no/such/file.proto");
      assert.equal(answers[2]!.messageResponse.case, "fileDescriptorResponse");
    });
  });
}

it("serves reflection v1 to a connect-es gRPC client over HTTP/2 too", async () => {
  const client = createClient(ReflectionV1, createGrpcTransport({ baseUrl: t.url }));
  async function* requests() {
    yield { messageRequest: { case: "listServices" as const, value: "" } };
  }
  const answers = [];
  for await (const a of client.serverReflectionInfo(requests())) answers.push(a);
  assert.equal(answers.length, 1);
  assert.equal(answers[0]!.messageResponse.case, "listServicesResponse");
});

describe("buf curl through reflection", () => {
  it("lists the methods with --http2-prior-knowledge", async () => {
    const out = await bufCurl("--http2-prior-knowledge", "--list-methods", t.url);
    const methods = out.trim().split("\n");
    for (const m of ["whatsnext.v1.ProjectService/CreateProject", "whatsnext.v1.ProjectService/ListProjects", "whatsnext.v1.TaskService/CreateTask", "grpc.health.v1.Health/Check"]) {
      assert.ok(methods.includes(m), `${m} in:\n${out}`);
    }
  });

  for (const protocol of ["connect", "grpc", "grpcweb"]) {
    it(`calls CreateProject with JSON over --protocol ${protocol}`, async () => {
      const name = `buf-curl-${protocol}`;
      const out = await bufCurl("--http2-prior-knowledge", "--protocol", protocol, "--data", JSON.stringify({ name, description: "made by buf curl" }), `${t.url}/whatsnext.v1.ProjectService/CreateProject`);
      const created = JSON.parse(out) as { project: { id: string; name: string; description: string; status: string } };
      assert.equal(created.project.name, name);
      assert.equal(created.project.description, "made by buf curl");
      assert.equal(created.project.status, "PROJECT_STATUS_ACTIVE");
      assert.match(created.project.id, /^\d+$/);
      const got = JSON.parse(await bufCurl("--http2-prior-knowledge", "--protocol", protocol, "--data", JSON.stringify({ name }), `${t.url}/whatsnext.v1.ProjectService/GetProject`)) as typeof created;
      assert.equal(got.project.id, created.project.id);
    });
  }

  it("reports a server error with its code", async () => {
    await assert.rejects(
      bufCurl("--http2-prior-knowledge", "--data", JSON.stringify({ name: "" }), `${t.url}/whatsnext.v1.ProjectService/CreateProject`),
      /invalid_argument[\s\S]*name must not be empty/,
    );
  });
});
