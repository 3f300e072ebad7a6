import type { ServiceImpl } from "@connectrpc/connect";
import { Role } from "../../gen/whatsnext/v1/common_pb.js";
import type { IdentityService } from "../../gen/whatsnext/v1/identity_pb.js";
import { principalKey } from "../server/context.js";
import type { RoleName } from "./roles.js";

const roleToProto: Record<RoleName, Role> = { viewer: Role.VIEWER, worker: Role.WORKER, submitter: Role.SUBMITTER, admin: Role.ADMIN };

/**
 * IdentityService: the caller's own principal, as the auth interceptor
 * established it. A browser cannot read its role from anywhere else, and it
 * needs it to hide the controls the role may not use; the server still
 * enforces every call through the role matrix.
 */
export function identityService(): ServiceImpl<typeof IdentityService> {
  return {
    getCallerIdentity(_req, ctx) {
      const principal = ctx.values.get(principalKey);
      return { principalName: principal.name, role: roleToProto[principal.role], projectId: BigInt(principal.projectId ?? 0) };
    },
  };
}
