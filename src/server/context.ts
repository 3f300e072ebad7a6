import { createContextKey } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { RoleName } from "../domain/api-key.js";

/** Who is calling, as established by the auth interceptor. */
export interface Principal {
  /** A stable name for logs and rate limits: key name, certificate identity, or "anonymous". */
  readonly name: string;
  readonly role: RoleName;
  /** When set, the principal may act only on this project. */
  readonly projectId?: number;
  readonly kind: "api-key" | "certificate" | "anonymous";
}

/** The transport peer of a call. */
export interface Peer {
  /** The socket's remote address. */
  readonly address: string;
  /** The verified client certificate's subject CN and SANs (mTLS only). */
  readonly certificateIdentities: readonly string[];
}

/** Set for every call before any interceptor runs. */
export const requestIdKey = createContextKey<string>("", { description: "request id" });
export const peerKey = createContextKey<Peer>({ address: "", certificateIdentities: [] }, { description: "peer" });
/** The call's logger, child of the root logger with the request id bound. */
export const loggerKey = createContextKey<Logger | undefined>(undefined, { description: "logger" });
/**
 * Set by the auth interceptor for every call (an anonymous admin when auth is
 * off). The default is the least role, so a call that somehow skipped the
 * interceptor fails closed.
 */
export const principalKey = createContextKey<Principal>(
  { name: "anonymous", role: "viewer", kind: "anonymous" },
  { description: "principal" },
);
