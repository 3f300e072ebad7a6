import { InvalidArgumentError } from "../domain/errors.js";
import { LIMITS } from "./validation.js";

/** Keyset pagination: where a page starts and how long it is. */
export interface PageRequest {
  readonly limit: number;
  /** Return items after this cursor (an id, or a string key); undefined for the first page. */
  readonly after: string | undefined;
}

/** Validates page_size (0 means the default) and decodes page_token. */
export function requirePage(pageSize: number, pageToken: string): PageRequest {
  const limit = pageSize === 0 ? LIMITS.pageSizeDefault : pageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.pageSizeMax) {
    throw new InvalidArgumentError("page_size", `must be between 1 and ${LIMITS.pageSizeMax}, got ${pageSize}`);
  }
  if (pageToken === "") return { limit, after: undefined };
  let after: unknown;
  try {
    after = JSON.parse(Buffer.from(pageToken, "base64url").toString("utf8")).after;
  } catch {
    after = undefined;
  }
  if (typeof after !== "string" || after.length === 0) throw new InvalidArgumentError("page_token", "is not a token this server issued");
  return { limit, after };
}

/**
 * Cuts a page from items fetched with limit + 1 rows: the extra row only
 * tells that another page exists, so the last page never ends on an empty one.
 */
export function cutPage<T>(rows: readonly T[], limit: number, cursorOf: (item: T) => string): { items: T[]; nextPageToken: string } {
  const items = rows.slice(0, limit);
  if (rows.length <= limit || items.length === 0) return { items, nextPageToken: "" };
  const token = Buffer.from(JSON.stringify({ after: cursorOf(items[items.length - 1]!) }), "utf8").toString("base64url");
  return { items, nextPageToken: token };
}

/** Parses an id cursor from a page token's cursor. */
export function afterId(after: string | undefined): number {
  if (after === undefined) return 0;
  const id = Number(after);
  if (!Number.isSafeInteger(id) || id < 0) throw new InvalidArgumentError("page_token", "is not a token this server issued");
  return id;
}
