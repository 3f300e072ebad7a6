import * as grpc from "@grpc/grpc-js";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createGrpcJsClient } from "../test/support/grpc-js-client.js";

/** How the bench talks gRPC to WhatsNext: @grpc/grpc-js, or connect-node's gRPC transport over HTTP/2. */
export type GrpcStack = "grpc-js" | "connect-h2";

/** The stack the bench uses unless BENCH_GRPC_STACK says otherwise; the faster of the two here. */
export const DEFAULT_STACK: GrpcStack = (process.env.BENCH_GRPC_STACK as GrpcStack | undefined) ?? "grpc-js";

/** A client with a connection of its own, closed with close(). */
export interface OwnConnectionClient<S extends DescService> {
  readonly client: Client<S>;
  close(): void;
}

/**
 * A gRPC client of the service on a connection of its own (grpc-js shares
 * connections between clients by default; a local subchannel pool stops
 * that), so that "16 clients" are 16 connections, as 16 processes would be.
 */
export function connectOwn<S extends DescService>(service: S, url: string, stack: GrpcStack = DEFAULT_STACK): OwnConnectionClient<S> {
  if (stack === "grpc-js") {
    const c = createGrpcJsClient(service, url, grpc.credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
      "grpc.max_send_message_length": 64 * 1024 * 1024,
    });
    return { client: c, close: () => c.close() };
  }
  const transport = createGrpcTransport({ baseUrl: url });
  return { client: createClient(service, transport), close: () => undefined };
}
