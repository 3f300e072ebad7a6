import { createContextKey } from "@connectrpc/connect";
import type { SqlExecutor } from "../db/executor.js";
import type { Peer, Principal } from "../server/context.js";
import { hashSecret, matchConfiguredKey, type ConfiguredKey } from "./api-key.js";
import { findUsableKey, touchApiKey } from "./key-store.js";
import { ROLE_NAMES, type RoleName } from "./roles.js";

/** The caller's address after trusted-proxy resolution, set by the auth interceptor for rate limits and audit. */
export const clientAddressKey = createContextKey<string>("", { description: "client address" });

/** A client certificate identity's role, from WHATSNEXT_TLS_CLIENT_ROLES. */
export interface CertificateRole {
  readonly role: RoleName;
  readonly projectId?: number;
}

/** Thrown for a malformed WHATSNEXT_TLS_CLIENT_ROLES entry, naming it. */
export class CertificateRolesError extends Error {}

/**
 * Parses `identity:role[:project_id]` entries. The identity is a subject CN
 * or a SAN value and may itself contain colons (URIs), so the entry is read
 * from the right.
 */
export function parseCertificateRoles(spec: string): Map<string, CertificateRole> {
  const roles = new Map<string, CertificateRole>();
  for (const entry of spec.split(",").map((e) => e.trim()).filter(Boolean)) {
    const parts = entry.split(":");
    let projectId: number | undefined;
    if (parts.length >= 3 && /^\d+$/.test(parts[parts.length - 1]!) && ROLE_NAMES.includes(parts[parts.length - 2] as RoleName)) {
      projectId = Number(parts.pop());
    }
    const role = parts.pop() as RoleName;
    const identity = parts.join(":");
    if (!identity || !ROLE_NAMES.includes(role)) {
      throw new CertificateRolesError(`invalid configuration: WHATSNEXT_TLS_CLIENT_ROLES entry ${JSON.stringify(entry)} must be identity:role[:project_id] with role one of ${ROLE_NAMES.join(", ")}`);
    }
    roles.set(identity, projectId === undefined ? { role } : { role, projectId });
  }
  return roles;
}

/** Why a call has no principal; "invalid" covers unknown, wrong, revoked and expired keys alike. */
export type AuthFailure = "missing" | "invalid" | "unmapped-certificate";

/** The result of authenticating a call. */
export type AuthResult = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly failure: AuthFailure };

/** The API key a call presents: `authorization: Bearer <key>` first, then `x-api-key`; null when none. */
export function presentedKey(header: Headers): string | null {
  const authorization = header.get("authorization");
  if (authorization !== null) {
    const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
    // A malformed authorization header is a wrong credential, not a missing one.
    return match ? match[1]! : authorization;
  }
  return header.get("x-api-key");
}

/**
 * Establishes who is calling: an API key (configured, compared in constant
 * time; or managed at runtime, looked up by its SHA-256 on every call so a
 * revoke works at once) or a verified client certificate mapped to a role.
 * A presented key wins over a certificate, so an operator can act with a
 * stronger key from a machine whose certificate has a weaker role.
 */
export class Authenticator {
  // Last time each runtime key's last_used_at was written; bounded by the number of keys.
  private readonly touched = new Map<number, number>();

  constructor(
    private readonly configured: readonly ConfiguredKey[],
    private readonly certificateRoles: ReadonlyMap<string, CertificateRole>,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(header: Headers, peer: Peer, sql: SqlExecutor): Promise<AuthResult> {
    const key = presentedKey(header);
    if (key !== null) {
      const configured = matchConfiguredKey(key, this.configured);
      if (configured) return { ok: true, principal: { name: configured.name, role: configured.role, kind: "api-key" } };
      const now = new Date(this.now());
      const stored = await findUsableKey(sql, hashSecret(key), now);
      if (!stored) return { ok: false, failure: "invalid" };
      if ((this.touched.get(stored.id) ?? 0) < now.getTime() - 60_000) {
        this.touched.set(stored.id, now.getTime());
        await touchApiKey(sql, stored.id, now);
      }
      const principal: Principal = { name: stored.name, role: stored.role, kind: "api-key" };
      return { ok: true, principal: stored.projectId === null ? principal : { ...principal, projectId: stored.projectId } };
    }
    if (peer.certificateIdentities.length > 0) {
      for (const identity of peer.certificateIdentities) {
        const mapped = this.certificateRoles.get(identity);
        if (mapped) return { ok: true, principal: { name: identity, kind: "certificate", ...mapped } };
      }
      return { ok: false, failure: "unmapped-certificate" };
    }
    return { ok: false, failure: "missing" };
  }
}
