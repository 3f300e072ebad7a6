import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";

/**
 * A client over @grpc/grpc-js with the same shape as a connect-es Client, so
 * that one test suite runs unchanged over grpc-js, Connect and gRPC-Web.
 * Errors arrive as ConnectError with the gRPC status code.
 */
export function createGrpcJsClient<S extends DescService>(service: S, address: string, credentials = grpc.credentials.createInsecure(), options: grpc.ClientOptions = {}): Client<S> & { close(): void } {
  const definition: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: (m: object) => Buffer.from(toBinary(method.input, m as never)),
      requestDeserialize: (b: Buffer) => fromBinary(method.input, b),
      responseSerialize: (m: object) => Buffer.from(toBinary(method.output, m as never)),
      responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(definition as grpc.ServiceDefinition, service.typeName);
  const raw = new Ctor(address.replace(/^https?:\/\//, ""), credentials, options) as unknown as Record<string, Function> & grpc.Client;
  const client: Record<string, unknown> = { close: () => raw.close() };
  for (const method of service.methods) {
    const fn = raw[method.localName]!.bind(raw);
    if (method.methodKind === "unary") {
      client[method.localName] = (input: MessageInitShape<DescMessage>, callOptions?: { headers?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number }) =>
        new Promise((resolve, reject) => {
          const call = fn(create(method.input, input), metadataOf(callOptions?.headers), callOptionsOf(callOptions?.timeoutMs), (err: grpc.ServiceError | null, res: unknown) =>
            err ? reject(toConnectError(err)) : resolve(res),
          );
          callOptions?.signal?.addEventListener("abort", () => call.cancel());
        });
    } else if (method.methodKind === "server_streaming") {
      client[method.localName] = (input: MessageInitShape<DescMessage>, callOptions?: { headers?: Record<string, string>; signal?: AbortSignal }) => {
        const call: grpc.ClientReadableStream<unknown> = fn(create(method.input, input), metadataOf(callOptions?.headers));
        callOptions?.signal?.addEventListener("abort", () => call.cancel());
        return (async function* () {
          try {
            for await (const msg of call) yield msg;
          } catch (err) {
            if (callOptions?.signal?.aborted) return;
            throw toConnectError(err as grpc.ServiceError);
          }
        })();
      };
    } else if (method.methodKind === "bidi_streaming") {
      client[method.localName] = (inputs: AsyncIterable<MessageInitShape<DescMessage>>, callOptions?: { headers?: Record<string, string>; signal?: AbortSignal }) => {
        const call: grpc.ClientDuplexStream<unknown, unknown> = fn(metadataOf(callOptions?.headers));
        callOptions?.signal?.addEventListener("abort", () => call.cancel());
        // Requests are written as the caller produces them; the end of its iterable half-closes the call.
        void (async () => {
          try {
            for await (const input of inputs) call.write(create(method.input, input));
            call.end();
          } catch {
            call.cancel();
          }
        })();
        return (async function* () {
          try {
            for await (const msg of call) yield msg;
          } catch (err) {
            if (callOptions?.signal?.aborted) return;
            throw toConnectError(err as grpc.ServiceError);
          }
        })();
      };
    }
  }
  return client as Client<S> & { close(): void };
}

/** timeoutMs as a grpc-js deadline, so that it ends the call with DEADLINE_EXCEEDED as connect-es's timeoutMs does. */
function callOptionsOf(timeoutMs: number | undefined): grpc.CallOptions {
  return timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
}

function metadataOf(headers: Record<string, string> | undefined): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers ?? {})) md.set(k, v);
  return md;
}

/**
 * The error as connect-es would give it, google.rpc details included: grpc-js
 * leaves grpc-status-details-bin (a google.rpc.Status) in the metadata, as
 * any gRPC library does, and findDetails reads them from there.
 */
function toConnectError(err: grpc.ServiceError): ConnectError {
  const metadata = new Headers();
  for (const [k, v] of Object.entries(err.metadata?.getMap() ?? {})) if (typeof v === "string") metadata.set(k, v);
  const raw = err.metadata?.get("grpc-status-details-bin")[0];
  const connectError = new ConnectError(err.details ?? err.message, (err.code ?? Code.Unknown) as number as Code, metadata);
  if (raw instanceof Buffer) {
    for (const any of fromBinary(StatusSchema, raw).details) connectError.details.push({ type: any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1), value: any.value });
  }
  return connectError;
}
