import { create, toBinary, type DescFile, type DescMessage, type DescEnum } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { principalKey } from "./context.js";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

/** What reflection can describe: the served services' files and everything they import. */
export class DescriptorIndex {
  private readonly files = new Map<string, DescFile>();
  private readonly fileOfSymbol = new Map<string, DescFile>();

  constructor(
    files: readonly DescFile[],
    readonly serviceNames: readonly string[],
  ) {
    for (const file of files) this.addFile(file);
  }

  private addFile(file: DescFile): void {
    if (this.files.has(file.proto.name)) return;
    this.files.set(file.proto.name, file);
    for (const dep of file.dependencies) this.addFile(dep);
    const addMessage = (m: DescMessage) => {
      this.fileOfSymbol.set(m.typeName, file);
      m.nestedMessages.forEach(addMessage);
      m.nestedEnums.forEach((e: DescEnum) => this.fileOfSymbol.set(e.typeName, file));
      m.nestedExtensions.forEach((x) => this.fileOfSymbol.set(x.typeName, file));
    };
    file.messages.forEach(addMessage);
    file.enums.forEach((e) => this.fileOfSymbol.set(e.typeName, file));
    file.extensions.forEach((x) => this.fileOfSymbol.set(x.typeName, file));
    for (const s of file.services) {
      this.fileOfSymbol.set(s.typeName, file);
      for (const m of s.methods) this.fileOfSymbol.set(`${s.typeName}.${m.name}`, file);
    }
  }

  /** The file and its transitive imports, serialized, the file itself first. */
  private withImports(file: DescFile): Uint8Array[] {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (f: DescFile) => {
      if (seen.has(f.proto.name)) return;
      seen.add(f.proto.name);
      out.push(toBinary(FileDescriptorProtoSchema, f.proto));
      f.dependencies.forEach(visit);
    };
    visit(file);
    return out;
  }

  /** Answers one reflection request; the shape is the same in v1 and v1alpha. */
  answer(request: v1.ServerReflectionRequest["messageRequest"]): v1.ServerReflectionResponse["messageResponse"] {
    const notFound = (what: string) => ({
      case: "errorResponse" as const,
      value: create(v1.ErrorResponseSchema, { errorCode: 5, errorMessage: `${what} not found` }),
    });
    const files = (file: DescFile | undefined, what: string) =>
      file
        ? { case: "fileDescriptorResponse" as const, value: create(v1.FileDescriptorResponseSchema, { fileDescriptorProto: this.withImports(file) }) }
        : notFound(what);
    switch (request.case) {
      case "listServices":
        return {
          case: "listServicesResponse",
          value: create(v1.ListServiceResponseSchema, { service: this.serviceNames.map((name) => ({ name })) }),
        };
      case "fileByFilename":
        return files(this.files.get(request.value), `file ${request.value}`);
      case "fileContainingSymbol":
        return files(this.fileOfSymbol.get(request.value.replace(/^\./, "")), `symbol ${request.value}`);
      case "fileContainingExtension":
        return notFound(`extension ${request.value.extensionNumber} of ${request.value.containingType}`);
      case "allExtensionNumbersOfType":
        if (!this.fileOfSymbol.has(request.value)) return notFound(`type ${request.value}`);
        return {
          case: "allExtensionNumbersResponse",
          value: create(v1.ExtensionNumberResponseSchema, { baseTypeName: request.value, extensionNumber: [] }),
        };
      default:
        return { case: "errorResponse", value: create(v1.ErrorResponseSchema, { errorCode: 3, errorMessage: "empty reflection request" }) };
    }
  }
}

/**
 * Serves grpc.reflection.v1 and v1alpha from one index. A caller without
 * credentials when authentication is on (the auth interceptor lets it
 * through as an anonymous viewer) gets `publicIndex`: the services anyone may
 * call (Health), so `buf curl` works there, and nothing of the rest.
 */
export function registerReflection(router: ConnectRouter, fullIndex: DescriptorIndex, publicIndex: DescriptorIndex = fullIndex): void {
  const indexFor = (ctx: HandlerContext): DescriptorIndex => {
    const principal = ctx.values.get(principalKey);
    return principal.kind === "anonymous" && principal.role !== "admin" ? publicIndex : fullIndex;
  };
  const v1Impl: ServiceImpl<typeof v1.ServerReflection> = {
    async *serverReflectionInfo(requests, ctx) {
      const index = indexFor(ctx);
      for await (const req of requests) {
        yield create(v1.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: index.answer(req.messageRequest),
        });
      }
    },
  };
  const v1alphaImpl: ServiceImpl<typeof v1alpha.ServerReflection> = {
    async *serverReflectionInfo(requests, ctx) {
      const index = indexFor(ctx);
      for await (const req of requests) {
        // v1alpha's messages are field-for-field those of v1.
        const answer = index.answer(req.messageRequest as v1.ServerReflectionRequest["messageRequest"]);
        yield create(v1alpha.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: answer as v1alpha.ServerReflectionResponse["messageResponse"],
        });
      }
    },
  };
  router.service(v1.ServerReflection, v1Impl);
  router.service(v1alpha.ServerReflection, v1alphaImpl);
}
