/**
 * One call to reach a WhatsNext server from Node: gRPC over HTTP/2 (h2c with
 * prior knowledge for http://, TLS for https://), the API key on every call,
 * and a typed client for each service.
 */
import { readFileSync } from "node:fs";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { JobService } from "../../gen/whatsnext/v1/job_pb.js";
import { KeyService } from "../../gen/whatsnext/v1/key_pb.js";
import { ProjectService } from "../../gen/whatsnext/v1/project_pb.js";
import { SweepService } from "../../gen/whatsnext/v1/sweep_pb.js";
import { TaskService } from "../../gen/whatsnext/v1/task_pb.js";
import { WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import { brokenConnectionIsUnavailable } from "./broken-connection.js";

/** Where the server is and how to prove who we are. Only `server` is required. */
export interface ConnectOptions {
  /** Base URL: http://host:port (cleartext HTTP/2) or https://host:port (TLS). */
  server: string;
  /** Sent as `authorization: Bearer <key>` on every call when set. */
  apiKey?: string;
  /** PEM CA bundle that signed the server's certificate (https:// only; the system roots otherwise). */
  tlsCaFile?: string;
  /** PEM client certificate for mTLS (https:// only), with tlsKeyFile. */
  tlsCertFile?: string;
  /** PEM private key of tlsCertFile. */
  tlsKeyFile?: string;
  /** Extra headers sent on every call (e.g. a request id prefix, a proxy's token). */
  headers?: Record<string, string>;
}

/** Typed clients for every service of one server, sharing one HTTP/2 connection. */
export interface WhatsNextClient {
  readonly server: string;
  readonly projects: Client<typeof ProjectService>;
  readonly tasks: Client<typeof TaskService>;
  readonly jobs: Client<typeof JobService>;
  readonly workers: Client<typeof WorkerService>;
  readonly keys: Client<typeof KeyService>;
  readonly sweeps: Client<typeof SweepService>;
  /** Closes the connection; calls still running fail. Lets a script's process exit. */
  close(): void;
}

/** Thrown for options that cannot work (bad URL, TLS files on http://, unreadable file); names the option. */
export class ClientOptionsError extends Error {
  override name = "ClientOptionsError";
}

/**
 * Connects lazily (the first call opens the connection) and returns the
 * service clients. Throws ClientOptionsError for a bad URL or TLS file, so a
 * misconfiguration fails before any call does.
 */
export function connect(options: ConnectOptions): WhatsNextClient {
  const url = parseServerUrl(options.server);
  const tls = url.protocol === "https:";
  const tlsFiles = { tlsCaFile: options.tlsCaFile, tlsCertFile: options.tlsCertFile, tlsKeyFile: options.tlsKeyFile };
  if (!tls) {
    const given = Object.entries(tlsFiles).find(([, v]) => v);
    if (given) throw new ClientOptionsError(`${given[0]} needs an https:// server, got ${url.origin}`);
  }
  if (Boolean(options.tlsCertFile) !== Boolean(options.tlsKeyFile)) {
    throw new ClientOptionsError("tlsCertFile and tlsKeyFile must be given together");
  }
  const nodeOptions = tls
    ? {
        ca: readPem("tlsCaFile", options.tlsCaFile),
        cert: readPem("tlsCertFile", options.tlsCertFile),
        key: readPem("tlsKeyFile", options.tlsKeyFile),
      }
    : {};
  const baseUrl = url.origin + url.pathname.replace(/\/+$/, "");
  const sessionManager = new Http2SessionManager(baseUrl, { pingIntervalMs: 30_000, pingTimeoutMs: 15_000 }, nodeOptions);
  const interceptors: Interceptor[] = [];
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  if (Object.keys(headers).length > 0) {
    interceptors.push((next) => async (req) => {
      for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
      return next(req);
    });
  }
  interceptors.push(brokenConnectionIsUnavailable);
  const transport = createGrpcTransport({ baseUrl, sessionManager, interceptors });
  return {
    server: baseUrl,
    projects: createClient(ProjectService, transport),
    tasks: createClient(TaskService, transport),
    jobs: createClient(JobService, transport),
    workers: createClient(WorkerService, transport),
    keys: createClient(KeyService, transport),
    sweeps: createClient(SweepService, transport),
    close: () => sessionManager.abort(),
  };
}

/** Accepts http:// and https:// URLs; a bare host:port is taken as http://. */
export function parseServerUrl(server: string): URL {
  const text = server.trim();
  if (text === "") throw new ClientOptionsError("server must not be empty (e.g. http://127.0.0.1:50051)");
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ClientOptionsError(`server must be a URL such as http://127.0.0.1:50051, got ${JSON.stringify(server)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ClientOptionsError(`server must start with http:// or https://, got ${JSON.stringify(server)}`);
  }
  return url;
}

function readPem(option: string, file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ClientOptionsError(`${option} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
