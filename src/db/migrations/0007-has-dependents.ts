import { Migration } from "@mikro-orm/migrations";

/**
 * job.has_dependents: some job depends (or once depended) on this one. A
 * finish of a job without it is one statement with no dependency work
 * (src/queue/job-outcomes.ts); a finish of a job with it also releases or
 * blocks its dependents in the same transaction.
 *
 * The flag is committed before any edge to the job is inserted
 * (mark-depended-on.ts), so a finish that did not see it cannot miss a new
 * dependent: see docs/architecture.md, "Finishing a job nobody depends on".
 * It is never cleared (a deleted edge leaves it set: a finish then only does
 * the dependency work for nothing).
 */
export class Migration0007HasDependents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table job add column has_dependents boolean not null default false;`);
    this.addSql(`update job set has_dependents = true where id in (select depends_on_id from job_dependency);`);
  }
}
