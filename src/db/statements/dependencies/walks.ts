/**
 * Planner note for every statement of this folder: right after a bulk insert
 * the job table has no statistics and PostgreSQL takes `status = '…'` for a
 * very selective filter, choosing a sequential scan of job per step. So these
 * statements reach jobs through their primary key (`id = any(array(...))`,
 * scalar subqueries) and walk edges through the job_dependency indexes (a
 * LATERAL … OFFSET 0 keeps the walk a parameterised index scan), whatever the
 * statistics say.
 */

/** The transitive dependents of the roots given as the first parameter (roots included): edges only, through job_dependency_depends_on_idx. */
export const DEPENDENTS_WALK = `with recursive dependents(id) as (
       select unnest(array[?]::bigint[])
       union
       select x.job_id from dependents r
       cross join lateral (select d.job_id from job_dependency d where d.depends_on_id = r.id offset 0) x
     )`;
