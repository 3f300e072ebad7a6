import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { IdentityService } from "../../../gen/whatsnext/v1/identity_pb.js";
import { JobService } from "../../../gen/whatsnext/v1/job_pb.js";
import { ProjectService } from "../../../gen/whatsnext/v1/project_pb.js";
import { SweepService } from "../../../gen/whatsnext/v1/sweep_pb.js";
import { TaskService } from "../../../gen/whatsnext/v1/task_pb.js";
import { WorkerService } from "../../../gen/whatsnext/v1/worker_pb.js";
import { readApiKey } from "./session-key.js";

/** Header the server keeps as the call's request id when a caller sends one. */
export const REQUEST_ID_HEADER = "x-request-id";

let whenKeyRefused: (() => void) | undefined;

/** Called when a call made with a stored key is refused as Unauthenticated (revoked, expired): the page asks again. */
export function onKeyRefused(handler: () => void): void {
  whenKeyRefused = handler;
}

function newRequestId(): string {
  // getRandomValues works on plain http too, where crypto.randomUUID does not.
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Sends the stored key and a request id of our own with every call, so an
 * error can quote the id even when no answer came back; a server's answer
 * carries the same id in its own x-request-id.
 */
const credentialsAndRequestId: Interceptor = (next) => async (req) => {
  const key = readApiKey();
  if (key) req.header.set("authorization", `Bearer ${key}`);
  const requestId = newRequestId();
  req.header.set(REQUEST_ID_HEADER, requestId);
  try {
    return await next(req);
  } catch (err) {
    const error = ConnectError.from(err);
    if (!error.metadata.has(REQUEST_ID_HEADER)) error.metadata.set(REQUEST_ID_HEADER, requestId);
    if (error.code === Code.Unauthenticated && key && req.service.typeName !== IdentityService.typeName) whenKeyRefused?.();
    throw error;
  }
};

// Same origin: the page and the API share the server's port, so no CORS is involved.
const transport = createConnectTransport({ baseUrl: location.origin, interceptors: [credentialsAndRequestId] });

/** One typed client per service, over the Connect protocol with the generated descriptors. */
export const api: {
  readonly projects: Client<typeof ProjectService>;
  readonly tasks: Client<typeof TaskService>;
  readonly jobs: Client<typeof JobService>;
  readonly workers: Client<typeof WorkerService>;
  readonly sweeps: Client<typeof SweepService>;
  readonly identity: Client<typeof IdentityService>;
} = {
  projects: createClient(ProjectService, transport),
  tasks: createClient(TaskService, transport),
  jobs: createClient(JobService, transport),
  workers: createClient(WorkerService, transport),
  sweeps: createClient(SweepService, transport),
  identity: createClient(IdentityService, transport),
};

/** Reads every page of a list call (largest pages the API allows), up to `limit` items. */
export async function readAllPages<T>(
  page: (pageToken: string, pageSize: number) => Promise<{ items: T[]; nextPageToken: string }>,
  limit = 20_000,
): Promise<{ items: T[]; complete: boolean }> {
  const items: T[] = [];
  let token = "";
  do {
    const res = await page(token, Math.min(1000, limit - items.length));
    items.push(...res.items);
    token = res.nextPageToken;
  } while (token && items.length < limit);
  return { items, complete: token === "" };
}
