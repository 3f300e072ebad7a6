import type { Job } from "../../../domain/job.js";
import type { SqlExecutor } from "../../executor.js";
import { principalMayActSql } from "../workers/worker-actor.js";
import { jobFromRow, type JobSqlRow } from "./job-row.js";

/** What a claim asks for; resources null mean "do not filter on this resource". */
export interface ClaimRequest {
  readonly workerId: string;
  /** The principal making the call; null when not bound (authentication off, or an admin). */
  readonly principal: string | null;
  readonly project: { readonly id: number } | { readonly name: string };
  readonly availableCpu: number | null;
  readonly availableAccelerators: number | null;
  /** Seconds the worker has left: only jobs expected to fit are claimed (unknown durations fit); null: no limit. */
  readonly availableSeconds: number | null;
  /** 1..1000. */
  readonly maxJobs: number;
  readonly leaseSeconds: number;
  /** True: the jobs go straight to RUNNING (claim and start in one step); false: QUEUED, to be started with StartJob. */
  readonly start?: boolean;
}

/** What one claim statement found out. */
export interface ClaimOutcome {
  readonly workerFound: boolean;
  /** The worker was deactivated (DeactivateWorker) and must register again; nothing was claimed. */
  readonly workerDeactivated: boolean;
  /** The worker was registered by another principal; nothing was claimed. */
  readonly workerNotYours: boolean;
  /** The project's id, or null when no project matched the reference. */
  readonly projectId: number | null;
  /** The claimed jobs, now QUEUED (RUNNING with start) and leased, in claim order (priority desc, id asc), with task name and template. */
  readonly jobs: Job[];
  /** PENDING jobs of the project after the claim, counted up to PENDING_COUNT_CAP. */
  readonly pendingAfter: number;
  /** True when the count stopped at PENDING_COUNT_CAP and the real number is larger. */
  readonly pendingCapped: boolean;
}

/**
 * How many PENDING rows a claim counts for num_pending. Counting is an index-only
 * scan of job_project_status_idx. The status test is written as a range
 * (between 'pending' and 'pending'), so that status stays part of the ORDER BY:
 * with an equality the planner may satisfy "order by id" from the primary key
 * instead and filter its way through every finished job before the first
 * pending one. It must be bounded to keep the claim's cost
 * flat at a million pending jobs; beyond the cap the caller uses an estimate.
 * The bound is small because on a table vacuum has not visited lately (the
 * visibility map unset) every counted entry is a heap visit: at 1,000 the
 * count was a large share of a claim's time.
 */
export const PENDING_COUNT_CAP = 100;

/**
 * With resource filters and max_jobs > 1, the greedy walk looks at this many
 * individually fitting candidates: enough to skip the jobs that do not fit
 * together without reading the whole queue.
 */
function candidateLimit(maxJobs: number, greedy: boolean): number {
  return greedy ? Math.min(maxJobs * 4, maxJobs + 1000) : maxJobs;
}

/**
 * Claims up to maxJobs claimable jobs of a project for a worker in ONE
 * statement (one round trip, its own transaction):
 *
 * - the worker must exist, not be deactivated, and be one the caller's
 *   principal may act as; it is marked active with a fresh heartbeat (written
 *   only when the last one is older than a second, so a busy worker's claims do
 *   not all rewrite its row);
 * - candidates come from job_claimable_idx in claim order (priority desc, id)
 *   and are locked with FOR UPDATE SKIP LOCKED, so concurrent claimers on any
 *   replica never take the same row and never wait for each other;
 * - with resource filters and several jobs, a greedy walk in claim order keeps
 *   the jobs that fit the free resources together (a job that does not fit is
 *   skipped, later smaller ones may still be taken);
 * - the candidates' limit is a sub-select, which the planner cannot read in
 *   a custom plan either: a custom plan that knows "limit 1" always looks
 *   cheaper than the generic one, and PostgreSQL would plan the statement
 *   again on every call (test/claim-plan.test.ts holds it to its generic
 *   plan); the generic plan is the same index walk;
 * - the update reaches the chosen rows by primary key (= any(array(…)), never
 *   a join a generic plan may turn into a hash join over the whole table on
 *   stale statistics: test/claim-plan.test.ts), is guarded on
 *   status = 'pending', counts the attempt and the
 *   run, sets the lease, and clears the last attempt's report from the job row
 *   (it stays in that attempt's row); each claimed job gets its attempt row;
 * - a job whose previous attempt left a scheduler job behind (its worker was
 *   lost, or released the job leaving the scheduler job running) inherits it:
 *   the new attempt records it and the answer carries it, so the worker
 *   follows that scheduler job instead of submitting the job again.
 */
export async function claimJobs(sql: SqlExecutor, req: ClaimRequest): Promise<ClaimOutcome> {
  const filtered = req.availableCpu !== null || req.availableAccelerators !== null;
  const greedy = filtered && req.maxJobs > 1;
  const params: unknown[] = [req.principal, req.principal, req.workerId];
  const projectSql = "id" in req.project ? "select id from project where id = ?" : "select id from project where name = ?";
  params.push("id" in req.project ? req.project.id : req.project.name);
  const resourceSql: string[] = [];
  if (req.availableCpu !== null) {
    resourceSql.push("and j.required_cpu <= ?");
    params.push(req.availableCpu);
  }
  if (req.availableAccelerators !== null) {
    resourceSql.push("and j.required_accelerators <= ?");
    params.push(req.availableAccelerators);
  }
  if (req.availableSeconds !== null) {
    resourceSql.push("and (j.expected_seconds is null or j.expected_seconds <= ?)");
    params.push(req.availableSeconds);
  }
  params.push(candidateLimit(req.maxJobs, greedy));
  let chosenSql = "chosen as (select id from locked)";
  if (greedy) {
    chosenSql = `ordered as materialized (
      select array_agg(id order by priority desc, id) as ids,
             array_agg(required_cpu order by priority desc, id) as cpus,
             array_agg(required_accelerators order by priority desc, id) as accs
      from locked
    ),
    walk(i, cpu_left, acc_left, taken, id, take) as (
      select 0, ?::int, ?::int, 0, null::bigint, false
      union all
      select s.i + 1,
             case when f.fits then s.cpu_left - o.cpus[s.i + 1] else s.cpu_left end,
             case when f.fits then s.acc_left - o.accs[s.i + 1] else s.acc_left end,
             s.taken + f.fits::int,
             o.ids[s.i + 1],
             f.fits
      from walk s cross join ordered o
      cross join lateral (
        select (s.cpu_left is null or o.cpus[s.i + 1] <= s.cpu_left)
           and (s.acc_left is null or o.accs[s.i + 1] <= s.acc_left) as fits
      ) f
      where s.i < coalesce(array_length(o.ids, 1), 0) and s.taken < ?
    ),
    chosen as (select id from walk where take)`;
    params.push(req.availableCpu, req.availableAccelerators, req.maxJobs);
  }
  params.push(req.workerId, req.leaseSeconds, req.workerId);
  type ClaimRow = Partial<JobSqlRow> & {
    worker_found: number;
    worker_deactivated: boolean | null;
    worker_yours: boolean | null;
    found_project_id: number | null;
    pending_before: number | null;
  };
  const rows = await sql.query<ClaimRow>(
    `with recursive known as (
       select w.id, w.name, w.host, w.deactivated_at is not null as deactivated, ${principalMayActSql("w")} as yours,
              (not w.active or w.last_heartbeat_at < now() - interval '1 second') as stale
       from worker w where w.id = ?
     ),
     me as (select id, name, host, stale from known where not deactivated and yours),
     touch as (
       update worker set active = true, last_heartbeat_at = now()
       where id = (select id from me where stale)
       returning id
     ),
     p as (${projectSql}),
     locked as (
       select j.id, j.priority, j.required_cpu, j.required_accelerators
       from job j
       where j.project_id = (select id from p) and exists (select 1 from me)
         and j.status = 'pending' and j.unmet_dependencies = 0
         and (j.not_before is null or j.not_before <= now())
         ${resourceSql.join(" ")}
       order by j.priority desc, j.id
       limit (select ?::int)
       for update skip locked
     ),
     ${chosenSql},
     claimed as (
       update job j set status = ${req.start ? "'running', started_at = now()" : "'queued', started_at = null"}, worker_id = ?,
         command = '', exit_code = null, message = '', output_tail = '',
         lease_expires_at = now() + make_interval(secs => ?), attempts = j.attempts + 1, runs = j.runs + 1, updated_at = now()
       where j.id = any(array(select id from chosen)) and j.status = 'pending'
       returning j.*
     ),
     inherited as (
       select c.id as job_id, p.scheduler, p.scheduler_job_id, p.scheduler_cluster, p.scheduler_output_path, p.scheduler_run_dir
       from claimed c join job_attempt p on p.job_id = c.id and p.number = c.runs - 1
       where p.scheduler_job_id is not null and not p.scheduler_job_stopped and p.outcome in ('lost', 'released', 'preempted')
     ),
     attempt as (
       insert into job_attempt (job_id, number, worker_id, worker_name, worker_host, started_at, outcome,
                                scheduler, scheduler_job_id, scheduler_cluster, scheduler_output_path, scheduler_run_dir)
       select c.id, c.runs, ?, (select name from me), (select host from me), case when c.status = 'running' then c.started_at end,
              case when c.status = 'running' then 'running' else 'claimed' end,
              i.scheduler, i.scheduler_job_id, coalesce(i.scheduler_cluster, ''), coalesce(i.scheduler_output_path, ''), coalesce(i.scheduler_run_dir, '')
       from claimed c left join inherited i on i.job_id = c.id
     ),
     pending as (
       select count(*)::int as n from (
         select 1 from job where project_id = (select id from p) and status between 'pending' and 'pending' order by status, id limit ${PENDING_COUNT_CAP + 1}
       ) s
     )
     select (select count(*) from known)::int as worker_found, (select deactivated from known) as worker_deactivated,
            (select yours from known) as worker_yours, (select id from p) as found_project_id,
            (select n from pending) as pending_before,
            c.*, t.name as task_name, t.command_template,
            coalesce((select array_agg(d.depends_on_id order by d.depends_on_id) from job_dependency d where d.job_id = c.id), '{}') as depends_on,
            case when i.job_id is not null then json_build_object('scheduler', coalesce(i.scheduler, ''), 'id', i.scheduler_job_id, 'cluster', i.scheduler_cluster,
              'outputPath', i.scheduler_output_path, 'runDir', i.scheduler_run_dir) end as inherited_scheduler_job
     from (select 1) one
     left join (claimed c join task t on t.id = c.task_id) on true
     left join inherited i on i.job_id = c.id
     order by c.priority desc, c.id`,
    params,
  );
  const first = rows[0]!;
  const jobs = rows.filter((r) => r.id !== null && r.id !== undefined).map((r) => jobFromRow(r as JobSqlRow));
  const pendingBefore = first.pending_before ?? 0;
  return {
    workerFound: first.worker_found > 0,
    workerDeactivated: first.worker_deactivated === true,
    workerNotYours: first.worker_yours === false,
    projectId: first.found_project_id,
    jobs,
    pendingAfter: Math.max(0, Math.min(pendingBefore, PENDING_COUNT_CAP) - jobs.length),
    pendingCapped: pendingBefore > PENDING_COUNT_CAP,
  };
}
