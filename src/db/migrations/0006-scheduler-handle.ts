import { Migration } from "@mikro-orm/migrations";

/**
 * The scheduler job (a SLURM job) of each attempt, so that a job whose worker
 * is lost while its SLURM job runs is not submitted a second time.
 *
 * - job_attempt.scheduler … scheduler_run_dir: what the worker reported once
 *   the scheduler took the job (ReportSchedulerJob), or what the attempt
 *   inherited from the one before.
 * - job_attempt.scheduler_job_stopped: the worker released the job after
 *   stopping its scheduler job (or without one), so the next claim must not
 *   follow it. A lost attempt, or one released with the job left running,
 *   hands its scheduler job to the next claim.
 */
export class Migration0006SchedulerHandle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table job_attempt
  add column scheduler varchar(16),
  add column scheduler_job_id varchar(128),
  add column scheduler_cluster varchar(128) not null default '',
  add column scheduler_output_path text not null default '',
  add column scheduler_run_dir text not null default '',
  add column scheduler_job_stopped boolean not null default false;`);
  }
}
