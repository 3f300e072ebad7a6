import { Migration } from "@mikro-orm/migrations";

/**
 * Job output as it is produced: the pieces a worker sends while an attempt
 * runs, kept per attempt and read back by offset.
 *
 * - job_output: one row per piece, keyed by its byte offset in the attempt's
 *   output, so a reader asks "from offset N" and a follower resumes where it
 *   stopped. Deleted with its attempt (and so with its job).
 * - job_attempt.output_size: where the attempt's next piece starts (bytes the
 *   worker sent, kept or not); output_stored: bytes still in job_output (the
 *   cap keeps the head and the latest tail, so the two differ by the gap);
 *   output_seq: the last send stored, so a repeated send is not stored twice.
 * - job_attempt_output_idx serves the retention pass over finished attempts
 *   that still keep output.
 */
export class Migration0005JobOutput extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table job_attempt
  add column output_size bigint not null default 0,
  add column output_stored bigint not null default 0,
  add column output_seq bigint not null default 0;`);
    this.addSql(`
create table job_output (
  job_id bigint not null,
  attempt integer not null,
  byte_offset bigint not null,
  stream varchar(8) not null check (stream in ('stdout', 'stderr', 'notice')),
  bytes integer not null,
  content text not null,
  created_at timestamptz not null default now(),
  primary key (job_id, attempt, byte_offset),
  foreign key (job_id, attempt) references job_attempt (job_id, number) on delete cascade
);`);
    this.addSql(`create index job_attempt_output_idx on job_attempt (finished_at) where output_stored > 0;`);
  }
}
