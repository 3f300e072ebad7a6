import type { SqlExecutor } from "../db/sql.js";
import type { JobStatusValue } from "../db/entities/index.js";
import type { JobChange } from "./events.js";
import type { SqlRow } from "./job-row.js";

/**
 * Dependency bookkeeping shared by every transition. The invariants kept here:
 * - job.unmet_dependencies = the number of its dependencies that are not COMPLETED
 *   (whatever the job's own status), so the claim index needs no join;
 * - a PENDING job has no FAILED, CANCELLED or BLOCKED dependency: such a job is BLOCKED,
 *   and a BLOCKED job with none left is PENDING again (after RetryJob, DeleteJob, UpdateJob).
 * Every function runs inside the caller's transaction (tx) and returns the changes to
 * publish once that transaction committed.
 */

/** Statuses that make a dependent BLOCKED: the dependency will not complete without someone's help. */
export const BLOCKING_STATUSES: readonly JobStatusValue[] = ["failed", "cancelled", "blocked"];

const BLOCKING_SQL = `('failed', 'cancelled', 'blocked')`;

function changes(rows: SqlRow[], status: JobStatusValue): JobChange[] {
  return rows.map((r) => ({ projectId: Number(r.project_id), jobId: Number(r.id), type: "updated" as const, status }));
}

// Planner note: right after a bulk insert the job table has no statistics and
// PostgreSQL takes `status = '…'` for a very selective filter, choosing a
// sequential scan of job per step. So every statement here reaches jobs through
// their primary key (`id = any(array(...))`, scalar subqueries) and walks edges
// through the job_dependency indexes (a LATERAL … OFFSET 0 keeps the walk a
// parameterised index scan), whatever the statistics say.

/** The transitive dependents of roots (roots included): edges only, through job_dependency_depends_on_idx. */
const DEPENDENTS_WALK = `with recursive dependents(id) as (
       select unnest(array[?]::bigint[])
       union
       select x.job_id from dependents r
       cross join lateral (select d.job_id from job_dependency d where d.depends_on_id = r.id offset 0) x
     )`;

/**
 * Inside the transaction that set these jobs COMPLETED: decrements unmet_dependencies of
 * their dependents. Returns an "updated" change for each PENDING dependent that became
 * claimable (its counter reached 0), which is what waiting workers need to hear.
 */
export async function releaseDependents(tx: SqlExecutor, completedJobIds: readonly number[]): Promise<JobChange[]> {
  if (completedJobIds.length === 0) return [];
  const ids = [...completedJobIds];
  const rows: SqlRow[] = await tx.execute(
    `update job j set unmet_dependencies = greatest(j.unmet_dependencies -
         (select count(*) from job_dependency d where d.job_id = j.id and d.depends_on_id = any(array[?]::bigint[])), 0),
       updated_at = now()
     where j.id = any(array(select d.job_id from job_dependency d where d.depends_on_id = any(array[?]::bigint[])))
     returning j.id, j.project_id, j.status, j.unmet_dependencies`,
    [ids, ids],
  );
  return changes(
    rows.filter((r) => r.status === "pending" && Number(r.unmet_dependencies) === 0),
    "pending",
  );
}

/**
 * Inside the transaction that set these jobs FAILED (final), CANCELLED or BLOCKED: moves
 * their PENDING dependents, transitively, to BLOCKED, in one statement. The walk follows
 * every edge (a dependent that is already BLOCKED has only BLOCKED or finished-off jobs
 * below it, so walking through it changes nothing). Returns one change per job blocked.
 */
export async function blockDependents(tx: SqlExecutor, jobIds: readonly number[]): Promise<JobChange[]> {
  if (jobIds.length === 0) return [];
  const ids = [...jobIds];
  const rows: SqlRow[] = await tx.execute(
    `${DEPENDENTS_WALK}
     update job j set status = 'blocked', updated_at = now()
     where j.id = any(array(select id from dependents)) and not j.id = any(array[?]::bigint[]) and j.status = 'pending'
     returning j.id, j.project_id`,
    [ids, ids],
  );
  return changes(rows, "blocked");
}

/**
 * Moves BLOCKED jobs among the candidates, and their BLOCKED dependents transitively, back
 * to PENDING when nothing FAILED, CANCELLED or BLOCKED stays above them. Two statements
 * whatever the depth: one reads the blocked subgraph below the candidates with each edge's
 * dependency status, the greatest set that can be freed together is computed here (a job is
 * freed when each blocking dependency is itself freed; the graph is acyclic), one update
 * frees it. Call it after the change that may have lifted the block (a retry, a deleted
 * dependency, replaced dependencies). Returns one change per job unblocked.
 */
export async function unblockJobs(tx: SqlExecutor, candidateIds: readonly number[]): Promise<JobChange[]> {
  if (candidateIds.length === 0) return [];
  const edges: SqlRow[] = await tx.execute(
    `with recursive blocked(id) as (
       select c.id from unnest(array[?]::bigint[]) as c(id) where (select j.status from job j where j.id = c.id) = 'blocked'
       union
       select x.job_id from blocked r
       cross join lateral (
         select d.job_id from job_dependency d
         where d.depends_on_id = r.id and (select j.status from job j where j.id = d.job_id) = 'blocked' offset 0) x
     )
     select b.id, d.depends_on_id, (select p.status from job p where p.id = d.depends_on_id) as dep_status
     from blocked b left join job_dependency d on d.job_id = b.id`,
    [[...new Set(candidateIds)]],
  );
  const blockers = new Map<number, number[]>();
  for (const e of edges) {
    const id = Number(e.id);
    const list = blockers.get(id) ?? [];
    if (e.depends_on_id !== null && BLOCKING_STATUSES.includes(e.dep_status as JobStatusValue)) list.push(Number(e.depends_on_id));
    blockers.set(id, list);
  }
  const freed = new Set(blockers.keys());
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of freed) {
      if (blockers.get(id)!.some((dep) => !freed.has(dep))) {
        freed.delete(id);
        changed = true;
      }
    }
  }
  if (freed.size === 0) return [];
  const rows: SqlRow[] = await tx.execute(
    `update job set status = 'pending', updated_at = now() where id = any(array[?]::bigint[]) and status = 'blocked' returning id, project_id`,
    [[...freed]],
  );
  return changes(rows, "pending");
}

/** The BLOCKED direct dependents of these jobs: the candidates to unblock after they stopped blocking. */
export async function blockedDependentsOf(tx: SqlExecutor, jobIds: readonly number[]): Promise<number[]> {
  if (jobIds.length === 0) return [];
  const rows: SqlRow[] = await tx.execute(
    `select distinct d.job_id from job_dependency d
     where d.depends_on_id = any(array[?]::bigint[]) and (select p.status from job p where p.id = d.job_id) = 'blocked'`,
    [[...jobIds]],
  );
  return rows.map((r) => Number(r.job_id));
}

/**
 * Before deleting these jobs: their surviving dependents lose the edge, so each one's
 * unmet_dependencies drops by the number of deleted dependencies that were not COMPLETED.
 * Returns the surviving dependents that were BLOCKED (candidates for unblockJobs once the
 * rows are gone) and the PENDING ones that became claimable.
 */
export async function detachDependents(
  tx: SqlExecutor,
  deletedJobIds: readonly number[],
): Promise<{ blockedCandidates: number[]; released: JobChange[] }> {
  if (deletedJobIds.length === 0) return { blockedCandidates: [], released: [] };
  const ids = [...deletedJobIds];
  const rows: SqlRow[] = await tx.execute(
    `update job j set unmet_dependencies = greatest(j.unmet_dependencies -
         (select count(*) from job_dependency d where d.job_id = j.id and d.depends_on_id = any(array[?]::bigint[])
            and (select p.status from job p where p.id = d.depends_on_id) <> 'completed'), 0),
       updated_at = now()
     where j.id = any(array(select d.job_id from job_dependency d where d.depends_on_id = any(array[?]::bigint[])))
       and not j.id = any(array[?]::bigint[])
     returning j.id, j.project_id, j.status, j.unmet_dependencies`,
    [ids, ids, ids],
  );
  return {
    blockedCandidates: rows.filter((r) => r.status === "blocked").map((r) => Number(r.id)),
    released: changes(
      rows.filter((r) => r.status === "pending" && Number(r.unmet_dependencies) === 0),
      "pending",
    ),
  };
}

/**
 * A dependency cycle that making jobId depend on newDependsOn would close, as the ids along
 * it (jobId first and last), or null. Walks from the new dependencies down their own
 * dependencies looking for jobId; the path is rebuilt in memory only when one is found.
 */
export async function findCycle(tx: SqlExecutor, jobId: number, newDependsOn: readonly number[]): Promise<number[] | null> {
  if (newDependsOn.length === 0) return null;
  if (newDependsOn.includes(jobId)) return [jobId, jobId];
  const edges: SqlRow[] = await tx.execute(
    `with recursive reach(id) as (
       select unnest(array[?]::bigint[])
       union
       select x.depends_on_id from reach r
       cross join lateral (select d.depends_on_id from job_dependency d where d.job_id = r.id offset 0) x
     )
     select d.job_id, d.depends_on_id from job_dependency d
     where d.job_id = any(array(select id from reach)) and exists (select 1 from reach where id = ?)`,
    [[...newDependsOn], jobId],
  );
  if (edges.length === 0) return null;
  const next = new Map<number, number[]>();
  for (const e of edges) {
    const from = Number(e.job_id);
    const list = next.get(from) ?? [];
    list.push(Number(e.depends_on_id));
    next.set(from, list);
  }
  // Breadth-first from jobId through its new dependencies back to jobId.
  const parent = new Map<number, number>();
  const queue: number[] = [];
  for (const d of newDependsOn) {
    if (!parent.has(d)) {
      parent.set(d, jobId);
      queue.push(d);
    }
  }
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const n of next.get(id) ?? []) {
      if (n === jobId) {
        const path = [jobId, id];
        let p = parent.get(id)!;
        while (p !== jobId) {
          path.splice(1, 0, p);
          p = parent.get(p)!;
        }
        return [...path, jobId];
      }
      if (!parent.has(n)) {
        parent.set(n, id);
        queue.push(n);
      }
    }
  }
  return null;
}
