import type { SqlExecutor } from "../../executor.js";

/** Advisory lock class (with the project id) serialising dependency replacements, so two updates cannot close a cycle together. */
const CYCLE_LOCK_CLASS = 0x776e7401;

/**
 * Takes the transaction-scoped lock on the dependency graph of the job's
 * project and returns the project, or null when the job does not exist.
 * Every dependency replacement takes it before the job's row lock, in the same
 * order, so two updates of one project queue up instead of deadlocking.
 */
export async function lockProjectDependencyGraph(tx: SqlExecutor, jobId: number): Promise<number | null> {
  const rows = await tx.query<{ project_id: number }>(
    `select j.project_id, pg_advisory_xact_lock(?, j.project_id::int) from job j where j.id = ?`,
    [CYCLE_LOCK_CLASS, jobId],
  );
  return rows[0]?.project_id ?? null;
}
