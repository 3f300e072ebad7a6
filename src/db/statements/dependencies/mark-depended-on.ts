import type { SqlExecutor } from "../../executor.js";

/** The jobs that get a dependent: of a project, or of the same project as a job. */
export type DependedOnScope = { readonly projectId: number } | { readonly projectOf: number };

/**
 * Sets has_dependents on jobs that are about to get a dependent, in a
 * statement of its own that must commit before the edges are inserted (call
 * it on the pool, never inside the transaction that inserts them). A finish
 * that skips dependency work does so only for rows without the flag, and
 * re-reads the flag when it waits for this statement's lock, so it cannot
 * miss the edges that follow (docs/architecture.md, "Finishing a job nobody
 * depends on").
 *
 * Only rows without the flag are written (and locked), in id order (the
 * primary key walks the array sorted), with no other lock held: concurrent
 * calls never deadlock with each other or with a finish, which locks in id
 * order too. Ids outside the scope, or missing, are left alone; the caller's
 * own checks explain them.
 */
export async function markDependedOn(sql: SqlExecutor, scope: DependedOnScope, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const project = "projectId" in scope ? "?::bigint" : "(select project_id from job where id = ?::bigint)";
  await sql.query(`update job set has_dependents = true where id = any(array(select unnest(?::bigint[]))) and project_id = ${project} and not has_dependents`, [
    [...ids],
    "projectId" in scope ? scope.projectId : scope.projectOf,
  ]);
}
