import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { Role } from "../../gen/whatsnext/v1/common_pb.js";
import { ApiKeySchema as ApiKeyMessageSchema, type ApiKey as ApiKeyMessage, type KeyService, ListApiKeysRequestSchema } from "../../gen/whatsnext/v1/key_pb.js";
import type { SqlExecutor } from "../db/executor.js";
import type { ApiKey, RoleName } from "../domain/api-key.js";
import { InvalidArgumentError } from "../domain/errors.js";
import * as keys from "../security/key-store.js";
import { timestamp } from "./convert.js";
import { afterId, cutPage, requirePage } from "./page-token.js";
import { requireId, requireName } from "./validation.js";

const roleToProto: Record<RoleName, Role> = { viewer: Role.VIEWER, worker: Role.WORKER, submitter: Role.SUBMITTER, admin: Role.ADMIN };

/** The stored role of a proto Role; UNSPECIFIED is refused. */
export function roleFromProto(role: Role): RoleName {
  const found = (Object.entries(roleToProto) as Array<[RoleName, Role]>).find(([, r]) => r === role);
  if (!found) throw new InvalidArgumentError("role", `must be ROLE_VIEWER, ROLE_WORKER, ROLE_SUBMITTER or ROLE_ADMIN, got ${role}`);
  return found[0];
}

/** A key as the API shows it: name, role, prefix and dates; the hash never leaves the server. */
export function apiKeyToProto(k: ApiKey): ApiKeyMessage {
  return create(ApiKeyMessageSchema, {
    id: BigInt(k.id),
    name: k.name,
    role: roleToProto[k.role] ?? Role.UNSPECIFIED,
    prefix: k.prefix,
    projectId: k.projectId === null ? 0n : BigInt(k.projectId),
    createTime: timestamp(k.createdAt),
    lastUsedTime: timestamp(k.lastUsedAt),
    expireTime: timestamp(k.expiresAt),
    revokeTime: timestamp(k.revokedAt),
  });
}

/**
 * KeyService: runtime API keys, admins only (the role matrix). The names of
 * configured keys are reserved so a runtime key cannot pose as one.
 */
export function keyService(sql: SqlExecutor, reservedNames: ReadonlySet<string>): ServiceImpl<typeof KeyService> {
  return {
    async createApiKey(req) {
      const name = requireName("name", req.name);
      if (!/^[\w.-]+$/.test(name)) throw new InvalidArgumentError("name", "must be letters, digits, _, . or -");
      const { key, secret } = await keys.createApiKey(
        sql,
        {
          name,
          role: roleFromProto(req.role),
          projectId: req.projectId === 0n ? null : requireId("project_id", req.projectId),
          expiresAt: req.expireTime ? timestampDate(req.expireTime) : null,
        },
        reservedNames,
      );
      return { key: apiKeyToProto(key), secret };
    },

    async listApiKeys(req) {
      const page = requirePage(ListApiKeysRequestSchema, req);
      const rows = await keys.listApiKeys(sql, { includeRevoked: req.includeRevoked, afterId: afterId(page.after), limit: page.limit });
      const { items, nextPageToken } = cutPage(rows, page, (k) => String(k.id));
      return { keys: items.map(apiKeyToProto), nextPageToken };
    },

    async revokeApiKey(req) {
      let ref: keys.KeyRef;
      if (req.key.case === "id") ref = { id: requireId("id", req.key.value) };
      else if (req.key.case === "name") ref = { name: requireName("name", req.key.value) };
      else throw new InvalidArgumentError("key", "must be given by id or by name");
      return { key: apiKeyToProto(await keys.revokeApiKey(sql, ref)) };
    },
  };
}
