import assert from "node:assert/strict";
import { once } from "node:events";
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { after, describe, it } from "node:test";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createConnectTransport } from "@connectrpc/connect-node";
import { WorkerService } from "../gen/whatsnext/v1/worker_pb.js";
import { causeCodes } from "../src/client/broken-connection.js";
import { brokenConnectionIsUnavailable, connect } from "../src/client/index.js";

// What a client sees when the connection breaks under a call, against what a
// server answers: the first is UNAVAILABLE on every transport (callers retry
// it), the second is left as the server said it.

async function callError(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ConnectError, String(err));
    return err;
  }
  assert.fail("the call succeeded");
}

async function listen(server: net.Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

/** A TCP server that reads the start of each request and then drops the connection, as a server killed mid-call does. */
async function hangingUpServer(): Promise<{ url: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("data", () => socket.destroy());
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  const url = await listen(server);
  return {
    url,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe("a connection that breaks under a call", () => {
  const closers: (() => void)[] = [];
  after(() => closers.forEach((c) => c()));

  it("is UNAVAILABLE over the Connect protocol on HTTP/1.1, where connect-node says INTERNAL (write EPIPE) or ABORTED (ECONNRESET)", async () => {
    const server = await hangingUpServer();
    closers.push(server.close);
    // A request far larger than the socket buffers: the client is still writing when the server has gone.
    const big = { workerId: "w".repeat(8 << 20) };
    const plain = createClient(WorkerService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }));
    const withInterceptor = createClient(WorkerService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", interceptors: [brokenConnectionIsUnavailable] }));

    const bare = await callError(plain.fetchJob(big));
    assert.ok(causeCodes(bare).some((c) => c === "EPIPE" || c === "ECONNRESET"), `a socket error: ${causeCodes(bare).join(", ")}`);
    assert.notEqual(bare.code, Code.Unavailable, "connect-node alone does not call it UNAVAILABLE (if it now does, the interceptor is redundant)");

    for (let i = 0; i < 3; i++) {
      const err = await callError(withInterceptor.fetchJob(big));
      assert.equal(err.code, Code.Unavailable, err.message);
      assert.match(err.rawMessage, /^the connection to the server broke: /);
      assert.ok(causeCodes(err).some((c) => c === "EPIPE" || c === "ECONNRESET"), "the socket error stays the cause");
    }
  });

  it("is UNAVAILABLE when connect-node reports a write into a closed connection as INTERNAL (write EPIPE)", async () => {
    // The chaos run met this when a replica was killed between a request's
    // writes; a loopback server cannot time that, so the error is built as
    // connect-node builds it from the socket's error (ConnectError.from with
    // INTERNAL, the Node error as its cause).
    const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" });
    const asConnectNodeSaysIt = ConnectError.from(epipe, Code.Internal);
    asConnectNodeSaysIt.cause = epipe;
    const call = brokenConnectionIsUnavailable(async () => {
      throw asConnectNodeSaysIt;
    });
    const header = new Headers({ "content-type": "application/proto" });
    const err = await callError(call({ header, signal: new AbortController().signal } as Parameters<typeof call>[0]));
    assert.equal(err.code, Code.Unavailable);
    assert.equal(err.rawMessage, "the connection to the server broke: write EPIPE");
  });

  it("is UNAVAILABLE through the SDK's connect() (gRPC over HTTP/2)", async () => {
    const server = await hangingUpServer();
    closers.push(server.close);
    const sdk = connect({ server: server.url });
    closers.push(() => sdk.close());
    const err = await callError(sdk.workers.fetchJob({ workerId: "w" }));
    assert.equal(err.code, Code.Unavailable, err.message);
  });
});

describe("what a server answers", () => {
  let release: () => void = () => undefined;
  const entered: (() => void)[] = [];
  const routes = connectNodeAdapter({
    routes: (router) =>
      router.service(WorkerService, {
        fetchJob(req, ctx) {
          if (req.workerId === "aborted") throw new ConnectError("the transaction conflicted", Code.Aborted);
          if (req.workerId === "internal") throw new ConnectError("a fault of the server", Code.Internal);
          if (req.workerId === "cancelled") throw new ConnectError("cancelled by the server", Code.Canceled);
          // "wait": hold the call until the caller gives up.
          entered.shift()?.();
          return new Promise((_, reject) => {
            release = () => reject(new ConnectError("released", Code.Unavailable));
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
          });
        },
      }),
  });
  const h1 = http.createServer(routes);
  const h2 = http2.createServer(routes);
  after(() => {
    release();
    h1.closeAllConnections();
    h1.close();
    h2.close();
  });

  const clients = async () => {
    const h1Url = await listen(h1);
    const h2Url = await listen(h2);
    const sdk = connect({ server: h2Url });
    const connect11 = createClient(WorkerService, createConnectTransport({ baseUrl: h1Url, httpVersion: "1.1", interceptors: [brokenConnectionIsUnavailable] }));
    return { sdk, connect11 };
  };

  it("keeps ABORTED, INTERNAL and CANCELLED as answered, on gRPC and on the Connect protocol, and a caller's own cancel as CANCELLED", async () => {
    const { sdk, connect11 } = await clients();
    try {
      for (const [name, client] of [
        ["gRPC (SDK)", sdk.workers],
        ["Connect over HTTP/1.1", connect11],
      ] as const) {
        for (const [workerId, code] of [
          ["aborted", Code.Aborted],
          ["internal", Code.Internal],
          ["cancelled", Code.Canceled],
        ] as const) {
          const err = await callError(client.fetchJob({ workerId }));
          assert.equal(err.code, code, `${name} ${workerId}: ${err.message}`);
        }
        const controller = new AbortController();
        const inside = new Promise<void>((resolve) => entered.push(resolve));
        const call = callError(client.fetchJob({ workerId: "wait" }, { signal: controller.signal }));
        await inside;
        controller.abort();
        assert.equal((await call).code, Code.Canceled, `${name}: the caller's cancel`);
      }
    } finally {
      sdk.close();
    }
  });
});
