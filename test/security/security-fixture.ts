import { randomBytes } from "node:crypto";
import { create, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { Health } from "../../gen/health/v1/health_pb.js";
import { ServerReflection as ReflectionV1, ServerReflectionRequestSchema as V1Request } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ReflectionV1Alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { Role } from "../../gen/whatsnext/v1/common_pb.js";
import { KeyService } from "../../gen/whatsnext/v1/key_pb.js";
import { WHATSNEXT_SERVICES } from "../../src/security/roles.js";
import type { Protocol, TestServer } from "../support/test-server.js";

/** A secret of the configured form: long enough, random, recognisable in a log grep. */
export function testSecret(label: string): string {
  return `wnxt_test_${label}_${randomBytes(12).toString("hex")}`;
}

/** Every service a server may serve, by type name, so served names from reflection map to descriptors. */
export const KNOWN_SERVICES: readonly DescService[] = [...WHATSNEXT_SERVICES, Health, ReflectionV1, ReflectionV1Alpha];

// HTTP/2 sessions the helpers opened; a client session left open keeps the test process alive.
const sessions: Http2SessionManager[] = [];

function sessionManager(baseUrl: string): Http2SessionManager {
  const sm = new Http2SessionManager(baseUrl);
  sessions.push(sm);
  return sm;
}

/** Closes every HTTP/2 session the helpers opened; call before closing the server. */
export function closeHelperSessions(): void {
  for (const sm of sessions.splice(0)) sm.abort();
}

/** Lists the services the server serves, through reflection (v1) with the given headers. */
export async function servedServices(baseUrl: string, headers: Record<string, string>): Promise<string[]> {
  const client = createClient(ReflectionV1, createGrpcTransport({ baseUrl, interceptors: [withHeaders(headers)], sessionManager: sessionManager(baseUrl) }));
  const requests = (async function* () {
    yield create(V1Request, { messageRequest: { case: "listServices", value: "" } });
  })();
  for await (const res of client.serverReflectionInfo(requests)) {
    if (res.messageResponse.case === "listServicesResponse") return res.messageResponse.value.service.map((s) => s.name);
  }
  throw new Error("reflection gave no service list");
}

function withHeaders(headers: Record<string, string>) {
  return (next: Parameters<import("@connectrpc/connect").Interceptor>[0]) => async (req: Parameters<typeof next>[0]) => {
    for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
    return next(req);
  };
}

/** A connect-node transport over HTTP/2 (needed for bidi streams), standing in for grpc-js where grpc-js cannot stream both ways. */
function h2Transport(protocol: Protocol, baseUrl: string, headers: Record<string, string>): Transport {
  const interceptors = [withHeaders(headers)];
  const common = { baseUrl, interceptors, sessionManager: sessionManager(baseUrl) };
  if (protocol === "connect") return createConnectTransport({ ...common, httpVersion: "2" });
  if (protocol === "grpc-web") return createGrpcWebTransport({ ...common, httpVersion: "2" });
  return createGrpcTransport(common);
}

/**
 * Calls one method with an empty request and returns the code it ended with
 * ("ok" for success). A server stream is read up to its first message or
 * error; one still open after `streamGraceMs` has passed every interceptor
 * (they run before the handler), and is aborted and counted as ok.
 */
export async function callWithEmptyRequest(t: TestServer, service: DescService, method: DescMethod, protocol: Protocol, headers: Record<string, string>, streamGraceMs = 1500): Promise<string> {
  try {
    if (method.methodKind === "unary") {
      const client = t.client(service, protocol, headers) as unknown as Record<string, (req: unknown) => Promise<unknown>>;
      await client[method.localName]!({});
    } else if (method.methodKind === "server_streaming") {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), streamGraceMs);
      try {
        const client = t.client(service, protocol, headers) as unknown as Record<string, (req: unknown, o: unknown) => AsyncIterable<unknown>>;
        for await (const _ of client[method.localName]!({}, { signal: abort.signal })) break;
      } catch (err) {
        if (abort.signal.aborted) return "ok";
        throw err;
      } finally {
        clearTimeout(timer);
      }
    } else {
      const client = createClient(service, h2Transport(protocol, t.url, headers)) as unknown as Record<string, (req: AsyncIterable<unknown>) => AsyncIterable<unknown>>;
      const input = create(method.input);
      const requests = (async function* () {
        yield input;
      })();
      for await (const _ of client[method.localName]!(requests)) break;
    }
    return "ok";
  } catch (err) {
    const ce = ConnectError.from(err);
    return Code[ce.code];
  }
}

/** Creates a runtime key through KeyService with an admin secret; returns its id and secret. */
export async function createRuntimeKey(t: TestServer, adminSecret: string, name: string, role: Role, opts: { projectId?: bigint; expireTime?: Date } = {}) {
  const keys = t.client(KeyService, "connect", { authorization: `Bearer ${adminSecret}` });
  const res = await keys.createApiKey({ name, role, projectId: opts.projectId ?? 0n, expireTime: opts.expireTime ? timestampFromDate(opts.expireTime) : undefined });
  return { id: res.key!.id, secret: res.secret, key: res.key! };
}

/** Runs the thunks with at most `limit` in flight. */
export async function inBatches<T>(thunks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(thunks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, thunks.length) }, async () => {
      while (next < thunks.length) {
        const i = next++;
        results[i] = await thunks[i]!();
      }
    }),
  );
  return results;
}
