import { Migration } from "@mikro-orm/migrations";

/**
 * Indexes for the worker side: a heartbeat looks up the worker's cancelled,
 * unacknowledged jobs (a tiny partial index instead of a scan of all jobs),
 * and the reaper finds silent workers among the active ones.
 */
export class Migration0002WorkerLeaseIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index job_cancel_requested_idx on job (worker_id) where cancel_requested;`);
    this.addSql(`create index worker_active_heartbeat_idx on worker (last_heartbeat_at) where active;`);
  }
}
