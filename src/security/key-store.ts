import type { SqlExecutor } from "../db/executor.js";
import { countUsableApiKeys } from "../db/statements/api-keys/count-usable-api-keys.js";
import { insertApiKey } from "../db/statements/api-keys/insert-api-key.js";
import { listApiKeys as listApiKeyRows } from "../db/statements/api-keys/list-api-keys.js";
import { revokeApiKey as revokeApiKeyRow } from "../db/statements/api-keys/revoke-api-key.js";
import { selectApiKey } from "../db/statements/api-keys/select-api-key.js";
import { selectUsableApiKey } from "../db/statements/api-keys/select-usable-api-key.js";
import { touchApiKey as touchApiKeyRow } from "../db/statements/api-keys/touch-api-key.js";
import { selectProject } from "../db/statements/projects/select-project.js";
import type { ApiKey, RoleName } from "../domain/api-key.js";
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../domain/errors.js";
import { generateSecret, hashSecret, shownPrefix } from "./api-key.js";

/** A key by id or by name. */
export type KeyRef = { id: number } | { name: string };

/** A new key and its secret; the secret exists only in this value and is never stored. */
export interface CreatedKey {
  readonly key: ApiKey;
  readonly secret: string;
}

/**
 * Creates a key managed at runtime. The database keeps the SHA-256 of the
 * secret and its first characters; the secret itself is returned once.
 * `reservedNames` are configured key names a runtime key may not shadow.
 */
export async function createApiKey(
  sql: SqlExecutor,
  input: { name: string; role: RoleName; projectId: number | null; expiresAt: Date | null },
  reservedNames: ReadonlySet<string>,
  now: Date = new Date(),
): Promise<CreatedKey> {
  if (reservedNames.has(input.name)) throw new AlreadyExistsError("api key", `${JSON.stringify(input.name)} (a configured key)`);
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) throw new InvalidArgumentError("expire_time", "must be in the future");
  if (input.projectId !== null && !(await selectProject(sql, { id: input.projectId }))) throw new NotFoundError("project", input.projectId);
  const secret = generateSecret();
  const key = await insertApiKey(sql, {
    name: input.name,
    role: input.role,
    prefix: shownPrefix(secret),
    secretHash: hashSecret(secret).toString("hex"),
    projectId: input.projectId,
    expiresAt: input.expiresAt,
  });
  if (!key) throw new AlreadyExistsError("api key", JSON.stringify(input.name));
  return { key, secret };
}

/** Keys in id order after the cursor; limit + 1 rows so the caller can tell if more follow. */
export async function listApiKeys(sql: SqlExecutor, opts: { includeRevoked: boolean; afterId: number; limit: number }): Promise<ApiKey[]> {
  return listApiKeyRows(sql, { ...opts, limit: opts.limit + 1 });
}

/** Revokes a key; its next call is refused. Revoking a revoked key is refused, naming when it was revoked. */
export async function revokeApiKey(sql: SqlExecutor, ref: KeyRef, now: Date = new Date()): Promise<ApiKey> {
  const revoked = await revokeApiKeyRow(sql, ref, now);
  if (revoked) return revoked;
  const key = await selectApiKey(sql, ref);
  if (!key) throw new NotFoundError("api key", "id" in ref ? ref.id : ref.name);
  throw new FailedPreconditionError(`api key ${JSON.stringify(key.name)} was already revoked at ${key.revokedAt!.toISOString()}`, "API_KEY_REVOKED", { key: key.name });
}

/** The usable key whose stored digest equals this one: not revoked, not expired. */
export async function findUsableKey(sql: SqlExecutor, digest: Buffer, now: Date = new Date()): Promise<ApiKey | undefined> {
  return (await selectUsableApiKey(sql, digest.toString("hex"), now)) ?? undefined;
}

/** Records a use of the key; the guard keeps it to one write per key per minute. */
export async function touchApiKey(sql: SqlExecutor, id: number, now: Date = new Date()): Promise<void> {
  await touchApiKeyRow(sql, id, now);
}

/** How many keys could authenticate now; any turns authentication on at start-up. */
export async function countUsableKeys(sql: SqlExecutor, now: Date = new Date()): Promise<number> {
  return countUsableApiKeys(sql, now);
}
