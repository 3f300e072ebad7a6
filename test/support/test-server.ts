import { randomBytes } from "node:crypto";
import { basename } from "node:path";
import pg from "pg";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import type { DestinationStream } from "pino";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { createGrpcJsClient } from "./grpc-js-client.js";

/** The protocols every behaviour suite runs over. */
export const PROTOCOLS = ["grpc-js", "connect", "grpc-web"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/**
 * A database of this test file's own: a fresh PostgreSQL database created
 * from DATABASE_URL (dropped at the end), or an in-memory embedded database
 * when DATABASE_URL is unset.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL ?? "";
  if (!base) return { url: "", drop: async () => undefined };
  // Named for the test file, so a database some path forgot to drop says whose it is.
  const file = basename(process.argv[1] ?? "test").replace(/\.test\.[jt]s$/, "").replace(/[^a-z0-9]+/gi, "_").toLowerCase();
  const name = `wn_test_${file.slice(0, 40)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface TestServer {
  readonly server: RunningServer;
  readonly url: string;
  /** The database URL the server uses (its own database). */
  readonly databaseUrl: string;
  /** A client of the service over the given protocol; closed with the server. */
  client<S extends DescService>(service: S, protocol?: Protocol, headers?: Record<string, string>): Client<S>;
  close(): Promise<void>;
}

/**
 * Starts a real server on a free loopback port over this file's own database.
 * env overrides the server's configuration (WHATSNEXT_* variables).
 * logDestination, when given, receives the server's JSON log lines (so a test
 * can join a reply to its log line); set LOG_LEVEL in env to see them.
 */
export async function startTestServer(env: Record<string, string> = {}, logDestination?: DestinationStream): Promise<TestServer> {
  // A test that names its own database (or the embedded one, "") gets no database of this file's.
  const db = env.DATABASE_URL !== undefined ? { url: env.DATABASE_URL, drop: async () => undefined } : await createTestDatabase();
  let server: RunningServer;
  try {
    const config = loadConfig({
      WHATSNEXT_PORT: "0",
      WHATSNEXT_DATA_DIR: "memory://",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
      ...env,
      DATABASE_URL: db.url,
    });
    server = await startServer(config, createLogger(config.LOG_LEVEL, logDestination));
  } catch (err) {
    // A server that did not start leaves no database behind either.
    await db.drop();
    throw err;
  }
  const closers: Array<() => void> = [];
  return {
    server,
    url: server.url,
    databaseUrl: server.app.db.url,
    client(service, protocol = "connect", headers) {
      if (protocol === "grpc-js") {
        const c = createGrpcJsClient(service, server.url);
        closers.push(() => c.close());
        if (!headers) return c;
        return withHeaders(c, service, headers);
      }
      return createClient(service, transportFor(protocol, server.url, headers));
    },
    async close() {
      try {
        closers.forEach((c) => c());
        await server.close(1000);
      } finally {
        await db.drop();
      }
    },
  };
}

/** A connect-node transport for the protocol, sending the headers on every call. */
export function transportFor(protocol: Exclude<Protocol, "grpc-js">, baseUrl: string, headers?: Record<string, string>): Transport {
  const interceptors = headers
    ? [
        (next: Parameters<import("@connectrpc/connect").Interceptor>[0]) => async (req: Parameters<typeof next>[0]) => {
          for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
          return next(req);
        },
      ]
    : [];
  switch (protocol) {
    case "connect":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors });
  }
}

function withHeaders<S extends DescService>(c: Client<S>, service: S, headers: Record<string, string>): Client<S> {
  const out: Record<string, unknown> = {};
  for (const m of service.methods) {
    const fn = (c as Record<string, Function>)[m.localName]!;
    out[m.localName] = (input: unknown, opts: { headers?: Record<string, string> } = {}) => fn(input, { ...opts, headers: { ...headers, ...opts.headers } });
  }
  return out as Client<S>;
}
