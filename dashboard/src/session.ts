import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { Role } from "../../gen/whatsnext/v1/common_pb.js";
import type { GetCallerIdentityResponse } from "../../gen/whatsnext/v1/identity_pb.js";

/** Who the page acts as, from IdentityService.GetCallerIdentity. */
export interface Session {
  readonly identity: GetCallerIdentityResponse;
  /** True when the page sends a key the person typed (so signing out means something). */
  readonly usesKey: boolean;
  readonly signOut: () => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside of a signed-in page");
  return session;
}

/**
 * Whether the role may retry and cancel jobs (submitter, admin): controls it
 * may not use are not shown. The server enforces the same rule on every call.
 */
export function canChangeJobs(role: Role): boolean {
  return role === Role.SUBMITTER || role === Role.ADMIN;
}

/** The role as a word: viewer, worker, submitter, admin. */
export function roleName(role: Role): string {
  return (Role[role] ?? "unknown").toLowerCase();
}
