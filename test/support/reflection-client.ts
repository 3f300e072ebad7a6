import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";

/** Which reflection service to ask; their messages are field-for-field the same. */
export type ReflectionVersion = "v1" | "v1alpha";

/**
 * Asks the server's reflection service over @grpc/grpc-js, the way grpcurl
 * and buf curl do: one bidi ServerReflectionInfo stream, every request
 * written, then half-closed; resolves with the answers in order.
 */
export function reflect(
  address: string,
  version: ReflectionVersion,
  requests: ReadonlyArray<MessageInitShape<typeof v1.ServerReflectionRequestSchema>>,
): Promise<v1.ServerReflectionResponse[]> {
  const pkg = version === "v1" ? "grpc.reflection.v1" : "grpc.reflection.v1alpha";
  // Both versions share the wire format, so v1's messages encode and decode either.
  const definition: grpc.ServiceDefinition = {
    serverReflectionInfo: {
      path: `/${pkg}.ServerReflection/ServerReflectionInfo`,
      requestStream: true,
      responseStream: true,
      requestSerialize: (m: v1.ServerReflectionRequest) => Buffer.from(toBinary(v1.ServerReflectionRequestSchema, m)),
      requestDeserialize: (b: Buffer) => fromBinary(v1.ServerReflectionRequestSchema, b),
      responseSerialize: (m: v1.ServerReflectionResponse) => Buffer.from(toBinary(v1.ServerReflectionResponseSchema, m)),
      responseDeserialize: (b: Buffer) => fromBinary(v1.ServerReflectionResponseSchema, b),
    },
  };
  const Ctor = grpc.makeGenericClientConstructor(definition, `${pkg}.ServerReflection`);
  const client = new Ctor(address.replace(/^https?:\/\//, ""), grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    serverReflectionInfo(): grpc.ClientDuplexStream<v1.ServerReflectionRequest, v1.ServerReflectionResponse>;
  };
  return new Promise((resolve, reject) => {
    const call = client.serverReflectionInfo();
    const answers: v1.ServerReflectionResponse[] = [];
    call.on("data", (m: v1.ServerReflectionResponse) => answers.push(m));
    call.on("error", (err) => {
      client.close();
      reject(err);
    });
    call.on("end", () => {
      client.close();
      resolve(answers);
    });
    for (const r of requests) call.write(create(v1.ServerReflectionRequestSchema, r));
    call.end();
  });
}

