/**
 * The browser side of the browser test: bundled with esbuild at test time and
 * loaded by a page served from another origin than the WhatsNext server. It
 * calls the server with Connect and with gRPC-Web (connect-web, fetch) and
 * reports every outcome into the page for the test to read.
 */
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { Health, HealthCheckResponse_ServingStatus } from "../../../gen/health/v1/health_pb.js";
import { ProjectService } from "../../../gen/whatsnext/v1/project_pb.js";

/** One protocol's results, as plain JSON. */
export interface ProtocolReport {
  created?: { id: string; name: string };
  fetchedName?: string;
  listed?: string[];
  notFound?: { code: string; message: string };
  health?: string;
  watchFirst?: string;
  requestId?: string | null;
  error?: { code: string; message: string };
}

declare global {
  interface Window {
    whatsnextReport?: Record<string, ProtocolReport>;
  }
}

async function exercise(transport: Transport, name: string): Promise<ProtocolReport> {
  const report: ProtocolReport = {};
  try {
    const projects = createClient(ProjectService, transport);
    let requestId: string | null = null;
    const { project } = await projects.createProject({ name, description: "from the browser" }, { onHeader: (h) => (requestId = h.get("x-request-id")) });
    report.requestId = requestId;
    report.created = { id: String(project?.id), name: project?.name ?? "" };
    report.fetchedName = (await projects.getProject({ project: { case: "id", value: project!.id } })).project?.name;
    report.listed = (await projects.listProjects({ pageSize: 1000 })).projects.map((p) => p.name);
    try {
      await projects.getProject({ project: { case: "name", value: `${name}-missing` } });
    } catch (err) {
      const e = ConnectError.from(err);
      report.notFound = { code: Code[e.code], message: e.rawMessage };
    }
    const health = createClient(Health, transport);
    report.health = HealthCheckResponse_ServingStatus[(await health.check({})).status];
    const abort = new AbortController();
    for await (const status of health.watch({}, { signal: abort.signal })) {
      report.watchFirst = HealthCheckResponse_ServingStatus[status.status];
      break;
    }
    abort.abort();
  } catch (err) {
    const e = ConnectError.from(err);
    report.error = { code: Code[e.code], message: e.rawMessage };
  }
  return report;
}

async function main(): Promise<void> {
  const baseUrl = decodeURIComponent(location.hash.slice(1));
  const tag = new URLSearchParams(location.search).get("tag") ?? "browser";
  const report: Record<string, ProtocolReport> = {
    connect: await exercise(createConnectTransport({ baseUrl }), `${tag}-connect`),
    grpcWeb: await exercise(createGrpcWebTransport({ baseUrl }), `${tag}-grpc-web`),
  };
  const out = document.getElementById("report");
  if (out) out.textContent = JSON.stringify(report, null, 2);
  window.whatsnextReport = report;
}

void main();
