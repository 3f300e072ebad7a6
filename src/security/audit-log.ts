import { Code, type Interceptor } from "@connectrpc/connect";
import { toConnectError } from "../interceptors/error-mapping.js";
import type { Logger } from "pino";
import { principalKey, requestIdKey } from "../server/context.js";
import { clientAddressKey } from "./authenticator.js";
import { requiredRole } from "./roles.js";

const DENIED = new Set([Code.Unauthenticated, Code.PermissionDenied, Code.ResourceExhausted]);
// Heartbeats only extend leases, every few seconds per worker: they would drown the log.
const NOT_AUDITED = new Set(["whatsnext.v1.WorkerService/Heartbeat"]);

/**
 * The audit logger: its own pino logger (a child bound to `log: "audit"`, so
 * it can be routed apart) with no redaction needed, because audit lines are
 * built field by field from ids and names, never from headers or bodies.
 */
export function createAuditLogger(root: Logger): Logger {
  return root.child({ log: "audit" });
}

/** One audit line: who did what to which entity, with what outcome. */
export interface AuditRecord {
  readonly principal: string;
  readonly role: string;
  readonly method: string;
  readonly target?: string;
  readonly created?: string;
  readonly outcome: string;
  readonly peer: string;
  readonly requestId: string;
}

type Fields = Record<string, unknown>;

/** The entity a request names, as "field=value", from the usual id fields; never a free-text field. */
export function auditTarget(message: unknown): string | undefined {
  const msg = (message ?? {}) as Fields;
  for (const field of ["id", "jobId", "workerId", "projectId"]) {
    const v = msg[field];
    if ((typeof v === "bigint" && v !== 0n) || (typeof v === "string" && v !== "")) return `${field}=${String(v)}`;
  }
  for (const oneof of ["project", "key", "task"]) {
    const o = msg[oneof] as { case?: string; value?: unknown } | undefined;
    if (o && typeof o === "object" && o.case && (typeof o.value === "bigint" || typeof o.value === "string")) return `${o.case}=${String(o.value)}`;
  }
  if (typeof msg.name === "string" && msg.name !== "") return `name=${msg.name.slice(0, 128)}`;
  return undefined;
}

/** The id of what a create made: the `id` of the answer's first entity field (project, task, job, key). */
function createdId(message: unknown): string | undefined {
  for (const v of Object.values((message ?? {}) as Fields)) {
    if (v && typeof v === "object" && typeof (v as Fields).id === "bigint") return String((v as Fields).id);
  }
  return undefined;
}

/**
 * Writes one line per denied call (Unauthenticated, PermissionDenied,
 * ResourceExhausted) and per mutation, whatever its outcome. It wraps the
 * other security interceptors so their refusals are seen too.
 */
export function auditInterceptor(audit: Logger): Interceptor {
  return (next) => async (req) => {
    const method = `${req.service.typeName}/${req.method.name}`;
    const requirement = requiredRole(req.service.typeName, req.method.name);
    const mutation = requirement.kind === "role" && requirement.rule.role !== "viewer" && !NOT_AUDITED.has(method);
    const target = req.stream ? undefined : auditTarget(req.message);
    const write = (outcome: string, created?: string) => {
      const principal = req.contextValues.get(principalKey);
      const record: AuditRecord = {
        principal: principal.name,
        role: principal.role,
        method,
        ...(target ? { target } : {}),
        ...(created ? { created } : {}),
        outcome,
        peer: req.contextValues.get(clientAddressKey),
        requestId: req.contextValues.get(requestIdKey),
      };
      audit.info(record, "audit");
    };
    try {
      const res = await next(req);
      if (mutation) write("ok", res.stream ? undefined : createdId(res.message));
      return res;
    } catch (err) {
      // Domain errors are mapped to codes only later (error mapping is innermost); classify them the same way here.
      const code = toConnectError(err, "").code;
      if (mutation || DENIED.has(code)) write(Code[code]);
      throw err;
    }
  };
}
