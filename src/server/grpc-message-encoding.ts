import type http from "node:http";
import type http2 from "node:http2";

/**
 * The gRPC spec percent-encodes only bytes outside 0x20-0x7E and "%" in
 * grpc-message. connect-es encodes with encodeURIComponent, which is valid,
 * but @grpc/grpc-js decodes with decodeURI and then shows "%2C" for every
 * comma. Re-encoding to the spec's minimal form reads right everywhere.
 */
export function minimalGrpcMessage(value: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return value;
  }
  let out = "";
  for (const byte of Buffer.from(decoded, "utf8")) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function fix(headers: unknown): void {
  if (!headers || typeof headers !== "object" || Array.isArray(headers)) return;
  const h = headers as Record<string, unknown>;
  if (typeof h["grpc-message"] === "string") h["grpc-message"] = minimalGrpcMessage(h["grpc-message"]);
}

/** Rewrites grpc-message in the headers (trailers-only answers) and trailers the response writes. */
export function encodeGrpcMessagesMinimally(res: http.ServerResponse | http2.Http2ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => unknown;
  const addTrailers = res.addTrailers.bind(res) as (headers: unknown) => void;
  (res as { writeHead: unknown }).writeHead = (...args: unknown[]) => {
    fix(args[1]);
    return writeHead(...args);
  };
  (res as { addTrailers: unknown }).addTrailers = (headers: unknown) => {
    fix(headers);
    addTrailers(headers);
  };
}
