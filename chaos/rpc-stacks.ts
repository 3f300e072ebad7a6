import * as grpc from "@grpc/grpc-js";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { WorkerService } from "../gen/whatsnext/v1/worker_pb.js";
import { brokenConnectionIsUnavailable } from "../src/client/broken-connection.js";
import { connect } from "../src/client/connect.js";
import { createGrpcJsClient } from "../test/support/grpc-js-client.js";
import type { Stack } from "./ledger.js";

/** A WorkerService client on a connection of its own, closed with close(). */
export interface WorkerClient {
  readonly client: Client<typeof WorkerService>;
  close(): void;
}

/**
 * A WorkerService client of one replica over one stack, on a connection of
 * its own as a worker on another machine would have:
 * - grpc-js: @grpc/grpc-js over HTTP/2 (a local subchannel pool, so loops do not share a connection);
 * - connect-node gRPC: the WhatsNext SDK's connect() (gRPC over HTTP/2), what `whatsnext worker` uses;
 * - connect-node Connect: the Connect protocol over HTTP/1.1, as curl and browsers speak it, with the
 *   SDK's interceptor that reports a broken connection as UNAVAILABLE (connect-node says INTERNAL
 *   for a write into a connection the killed replica had closed, EPIPE).
 */
export function workerClient(stack: Stack, url: string): WorkerClient {
  switch (stack) {
    case "grpc-js": {
      const c = createGrpcJsClient(WorkerService, url, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
      return { client: c, close: () => c.close() };
    }
    case "connect-node gRPC": {
      const sdk = connect({ server: url });
      return { client: sdk.workers, close: () => sdk.close() };
    }
    case "connect-node Connect":
      return { client: createClient(WorkerService, createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [brokenConnectionIsUnavailable] })), close: () => undefined };
  }
}
