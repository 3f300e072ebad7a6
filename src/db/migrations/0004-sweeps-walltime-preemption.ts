import { Migration } from "@mikro-orm/migrations";

/**
 * Sweeps as rows of their own, expected durations for walltime-aware claims,
 * checkpoints for preempted jobs, and more provenance per attempt.
 *
 * - sweep: a named set of parameter combinations of one task; its jobs carry
 *   sweep_id and the canonical hash of their parameters, unique within the
 *   sweep, so the same set is one job and re-creating or extending skips it.
 * - task.expected_seconds, copied onto each job (expected_seconds) unless the
 *   job sets its own, so a claim filters on the job row alone.
 * - job.checkpoint: what a preempted attempt left for the next one.
 * - worker.host, job_attempt.worker_host and accelerator_ids: where each
 *   attempt ran; the outcome "preempted".
 */
export class Migration0004SweepsWalltimePreemption extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table task add column expected_seconds integer check (expected_seconds > 0);`);
    this.addSql(`
create table sweep (
  id bigserial primary key,
  project_id bigint not null references project (id) on delete cascade,
  task_id bigint not null references task (id) on delete cascade,
  name varchar(128) not null,
  spec jsonb not null,
  spec_hash varchar(64) not null,
  priority integer not null default 0,
  max_attempts integer not null default 1 check (max_attempts >= 1),
  created_at timestamptz not null default now(),
  unique (project_id, name)
);`);
    this.addSql(`
alter table job
  add column sweep_id bigint references sweep (id) on delete cascade,
  add column params_hash varchar(64),
  add column expected_seconds integer check (expected_seconds > 0),
  add column checkpoint text not null default '';`);
    this.addSql(`create unique index job_sweep_params_idx on job (sweep_id, params_hash) where sweep_id is not null;`);
    this.addSql(`create index job_sweep_status_idx on job (sweep_id, status) where sweep_id is not null;`);
    this.addSql(`alter table worker add column host varchar(256) not null default '';`);
    this.addSql(`alter table job_attempt add column worker_host varchar(256) not null default '', add column accelerator_ids text[] not null default '{}';`);
    this.addSql(`
alter table job_attempt drop constraint job_attempt_outcome_check,
  add constraint job_attempt_outcome_check
  check (outcome in ('claimed', 'running', 'completed', 'failed', 'released', 'lost', 'cancelled', 'preempted'));`);
  }
}
