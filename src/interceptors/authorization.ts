import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { touchedProjects } from "../security/project-scope.js";
import { requiredRole, roleSatisfies } from "../security/roles.js";
import type { SqlExecutor } from "../db/executor.js";
import { principalKey } from "../server/context.js";
import { errorInfo } from "./error-details.js";

/**
 * RBAC after authentication: the principal's role must satisfy the method's
 * row of the role matrix (src/security/roles.ts), and a project-restricted
 * principal may act only on its project. PermissionDenied names the role or
 * the project restriction needed, never more.
 */
export const authorizationInterceptor = (sql: SqlExecutor): Interceptor => (next) => async (req) => {
  const requirement = requiredRole(req.service.typeName, req.method.name);
  if (requirement.kind !== "role") return next(req);
  const principal = req.contextValues.get(principalKey);
  const method = `${req.service.name}/${req.method.name}`;
  const { rule } = requirement;
  if (!roleSatisfies(principal.role, rule.role)) throw new ConnectError(`${method} needs the ${rule.role} role`, Code.PermissionDenied, undefined, [errorInfo("ROLE_REQUIRED", { role: rule.role })]);
  if (principal.projectId === undefined || rule.scope === "global") return next(req);
  const restricted = `this principal may act only on project ${principal.projectId}`;
  if (rule.scope === "unrestricted") throw new ConnectError(`${method} needs a principal not restricted to one project`, Code.PermissionDenied, undefined, [errorInfo("UNRESTRICTED_PRINCIPAL_REQUIRED")]);

  // A server-streaming call has one request message: read it, check it, hand it on. A bidirectional one
  // (Work) is checked on its first message (its open names the project), and the rest flows on untouched.
  let message: unknown;
  if (req.stream && req.method.methodKind === "bidi_streaming") {
    const input = req.message[Symbol.asyncIterator]();
    const first = await input.next();
    const head = first.done ? undefined : first.value;
    const kind = (head as { kind?: { case?: string; value?: unknown } } | undefined)?.kind;
    message = kind?.case === "open" ? kind.value : head;
    req = {
      ...req,
      message: (async function* () {
        if (!first.done) yield first.value;
        for (;;) {
          const next = await input.next();
          if (next.done) return;
          yield next.value;
        }
      })(),
    } as typeof req;
  } else if (req.stream) {
    const messages: unknown[] = [];
    for await (const m of req.message) messages.push(m);
    message = messages[0];
    req = { ...req, message: (async function* () { yield* messages; })() } as typeof req;
  } else {
    message = req.message;
  }
  if (rule.scope === "list-projects") {
    const res = await next(req);
    if (!res.stream) {
      const body = res.message as unknown as { projects?: Array<{ id: bigint }> };
      if (Array.isArray(body.projects)) body.projects = body.projects.filter((p) => p.id === BigInt(principal.projectId!));
    }
    return res;
  }
  const touched = await touchedProjects(rule.scope, message, sql);
  if (touched === "unnamed") throw new ConnectError(`${method}: ${restricted}; name it with project_id`, Code.PermissionDenied, undefined, [errorInfo("PROJECT_RESTRICTED", { project_id: String(principal.projectId) })]);
  if (touched.ids.some((id) => id !== principal.projectId)) throw new ConnectError(`${method}: ${restricted}`, Code.PermissionDenied, undefined, [errorInfo("PROJECT_RESTRICTED", { project_id: String(principal.projectId) })]);
  return next(req);
};
