import { createHash } from "node:crypto";
import { clone, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { InvalidArgumentError } from "../domain/errors.js";
import { LIMITS } from "./validation.js";

/** Keyset pagination: where a page starts and how long it is. */
export interface PageRequest {
  readonly limit: number;
  /** Return items after this cursor (an id, or a string key); undefined for the first page. */
  readonly after: string | undefined;
  /** The query the page belongs to: a digest of the request without page_size and page_token. */
  readonly query: string;
}

/** A list request: every one has page_size and page_token. */
type PagedRequest = { pageSize: number; pageToken: string };

/**
 * The digest of a list request's filters, so that a token is honoured only by
 * the query that issued it (a token of project A's listing is no cursor into
 * project B's). page_size may change between pages and is left out.
 */
function queryDigest<D extends DescMessage>(schema: D, req: MessageShape<D> & PagedRequest): string {
  const filters = clone(schema, req) as MessageShape<D> & PagedRequest;
  filters.pageSize = 0;
  filters.pageToken = "";
  return createHash("sha256").update(toBinary(schema, filters)).digest("base64url").slice(0, 16);
}

const notIssued = () => new InvalidArgumentError("page_token", "is not a token this server issued");

/**
 * Validates page_size (0 means the default) and decodes page_token, which
 * must come from the same query (InvalidArgument otherwise).
 */
export function requirePage<D extends DescMessage>(schema: D, req: MessageShape<D> & PagedRequest): PageRequest {
  const { pageSize, pageToken } = req;
  const limit = pageSize === 0 ? LIMITS.pageSizeDefault : pageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.pageSizeMax) {
    throw new InvalidArgumentError("page_size", `must be between 1 and ${LIMITS.pageSizeMax}, got ${pageSize}`);
  }
  const query = queryDigest(schema, req);
  if (pageToken === "") return { limit, after: undefined, query };
  let token: { after?: unknown; q?: unknown } = {};
  try {
    token = JSON.parse(Buffer.from(pageToken, "base64url").toString("utf8")) ?? {};
  } catch {
    throw notIssued();
  }
  if (typeof token !== "object" || typeof token.after !== "string" || token.after.length === 0 || typeof token.q !== "string") throw notIssued();
  if (token.q !== query) throw new InvalidArgumentError("page_token", "belongs to another query: page with the same filters (project, statuses…) as the call that returned it");
  return { limit, after: token.after, query };
}

/**
 * Cuts a page from items fetched with limit + 1 rows: the extra row only
 * tells that another page exists, so the last page never ends on an empty one.
 * The token names the page's query.
 */
export function cutPage<T>(rows: readonly T[], page: PageRequest, cursorOf: (item: T) => string): { items: T[]; nextPageToken: string } {
  const items = rows.slice(0, page.limit);
  if (rows.length <= page.limit || items.length === 0) return { items, nextPageToken: "" };
  const token = Buffer.from(JSON.stringify({ after: cursorOf(items[items.length - 1]!), q: page.query }), "utf8").toString("base64url");
  return { items, nextPageToken: token };
}

/** Parses an id cursor from a page token's cursor. */
export function afterId(after: string | undefined): number {
  if (after === undefined) return 0;
  const id = Number(after);
  if (!Number.isSafeInteger(id) || id < 0) throw notIssued();
  return id;
}
