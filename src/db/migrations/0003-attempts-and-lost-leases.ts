import { Migration } from "@mikro-orm/migrations";

/**
 * Attempts as rows of their own, lost leases counted apart from attempts, and
 * workers bound to the principal that registered them.
 *
 * - job.runs numbers the claims of a job (job_attempt.number); job.attempts
 *   still counts the attempts spent (a release or a lost lease gives its back).
 * - job.lost_leases counts leases that expired under the job (its worker was
 *   lost); past WHATSNEXT_MAX_LOST_LEASES the job fails instead of returning.
 * - job_attempt keeps every claim's provenance and outcome, which also lets a
 *   worker repeat a FinishJob whose answer it lost and be told it was stored.
 * - worker.principal: the principal that registered the worker; others may
 *   not act as it. worker.deactivated_at: set by DeactivateWorker, cleared by
 *   RegisterWorker; a deactivated worker must register again.
 * - job_finished_idx serves the retention pass over finished jobs.
 */
export class Migration0003AttemptsAndLostLeases extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table job add column runs integer not null default 0, add column lost_leases integer not null default 0;`);
    this.addSql(`update job set runs = attempts;`);
    this.addSql(`
create table job_attempt (
  job_id bigint not null references job (id) on delete cascade,
  number integer not null,
  worker_id varchar(128),
  worker_name varchar(256) not null default '',
  claimed_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  outcome varchar(16) not null default 'claimed'
    check (outcome in ('claimed', 'running', 'completed', 'failed', 'released', 'lost', 'cancelled')),
  command text not null default '',
  success boolean,
  exit_code integer,
  message text not null default '',
  output_tail text not null default '',
  primary key (job_id, number)
);`);
    this.addSql(`create index job_attempt_worker_idx on job_attempt (worker_id, job_id);`);
    this.addSql(`alter table worker add column principal varchar(256), add column deactivated_at timestamptz;`);
    this.addSql(`create index job_finished_idx on job (finished_at) where status in ('completed', 'failed', 'cancelled');`);
  }
}
