import type { EntityManager } from "@mikro-orm/postgresql";
import { ApiKeySchema, ProjectSchema, type ApiKeyRecord } from "../db/entities/index.js";
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../queue/errors.js";
import { generateSecret, hashSecret, shownPrefix } from "./api-key.js";
import type { RoleName } from "./roles.js";

/** A key by id or by name. */
export type KeyRef = { id: number } | { name: string };

/** A new key and its secret; the secret exists only in this value and is never stored. */
export interface CreatedKey {
  readonly key: ApiKeyRecord;
  readonly secret: string;
}

/**
 * Creates a key managed at runtime. The database keeps the SHA-256 of the
 * secret and its first characters; the secret itself is returned once.
 * `reservedNames` are configured key names a runtime key may not shadow.
 */
export async function createApiKey(
  em: EntityManager,
  input: { name: string; role: RoleName; projectId: number | null; expiresAt: Date | null },
  reservedNames: ReadonlySet<string>,
  now: Date = new Date(),
): Promise<CreatedKey> {
  if (reservedNames.has(input.name)) throw new AlreadyExistsError("api key", `${JSON.stringify(input.name)} (a configured key)`);
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw new InvalidArgumentError("expire_time", "must be in the future");
  if (input.projectId !== null && !(await em.findOne(ProjectSchema, { id: input.projectId }))) throw new NotFoundError("project", input.projectId);
  if (await em.findOne(ApiKeySchema, { name: input.name })) throw new AlreadyExistsError("api key", JSON.stringify(input.name));
  const secret = generateSecret();
  const key = em.create(ApiKeySchema, {
    name: input.name,
    role: input.role,
    prefix: shownPrefix(secret),
    secretHash: hashSecret(secret).toString("hex"),
    projectId: input.projectId,
    expiresAt: input.expiresAt,
    lastUsedAt: null,
    revokedAt: null,
  } as ApiKeyRecord);
  await em.persistAndFlush(key);
  return { key, secret };
}

/** Keys in id order after the cursor; limit + 1 rows so the caller can tell if more follow. */
export async function listApiKeys(em: EntityManager, opts: { includeRevoked: boolean; afterId: number; limit: number }): Promise<ApiKeyRecord[]> {
  return em.find(ApiKeySchema, { id: { $gt: opts.afterId }, ...(opts.includeRevoked ? {} : { revokedAt: null }) }, { orderBy: { id: "asc" }, limit: opts.limit + 1 });
}

/** Revokes a key; its next call is refused. Revoking a revoked key is refused, naming when it was revoked. */
export async function revokeApiKey(em: EntityManager, ref: KeyRef, now: Date = new Date()): Promise<ApiKeyRecord> {
  const key = await em.findOne(ApiKeySchema, "id" in ref ? { id: ref.id } : { name: ref.name });
  if (!key) throw new NotFoundError("api key", "id" in ref ? ref.id : ref.name);
  if (key.revokedAt) throw new FailedPreconditionError(`api key ${JSON.stringify(key.name)} was already revoked at ${key.revokedAt.toISOString()}`);
  key.revokedAt = now;
  await em.flush();
  return key;
}

/**
 * The usable key whose stored digest equals this one: not revoked, not
 * expired. Looked up on every call, so a revoke or an expiry takes effect on
 * the next call in every replica.
 */
export async function findUsableKey(em: EntityManager, digest: Buffer, now: Date = new Date()): Promise<ApiKeyRecord | undefined> {
  const key = await em.findOne(ApiKeySchema, { secretHash: digest.toString("hex"), revokedAt: null }, { disableIdentityMap: true });
  if (!key) return undefined;
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return undefined;
  return key;
}

/** Records a use of the key; the guard keeps it to one write per key per minute. */
export async function touchApiKey(em: EntityManager, id: number, now: Date = new Date()): Promise<void> {
  await em.nativeUpdate(ApiKeySchema, { id, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: new Date(now.getTime() - 60_000) } }] }, { lastUsedAt: now });
}

/** How many keys could authenticate now; any turns authentication on at start-up. */
export async function countUsableKeys(em: EntityManager, now: Date = new Date()): Promise<number> {
  return em.count(ApiKeySchema, { revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] });
}
