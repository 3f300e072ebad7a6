import type { HandlerContext } from "@connectrpc/connect";
import type { EntityManager } from "@mikro-orm/postgresql";
import { entityManagerKey } from "../server/context.js";

/** The call's own forked EntityManager, set by the server for every call. */
export function entityManager(ctx: HandlerContext): EntityManager {
  const em = ctx.values.get(entityManagerKey);
  if (!em) throw new Error("no EntityManager in the call context: the server did not set one");
  return em;
}
