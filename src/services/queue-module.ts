import { Counter, Gauge } from "prom-client";
import { JobService } from "../../gen/whatsnext/v1/job_pb.js";
import { SweepService } from "../../gen/whatsnext/v1/sweep_pb.js";
import { WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import { StatisticsWatch } from "../db/statistics-watch.js";
import { createQueueEvents } from "../queue/events/create-queue-events.js";
import { LeaseReaper } from "../queue/leases.js";
import { PendingEstimate } from "../queue/pending-estimate.js";
import type { App, ServerModule } from "../server/app.js";
import { createJobService } from "./job-service.js";
import { createSweepService } from "./sweep-service.js";
import { createWorkerService } from "./worker-service.js";

/** How often a replica looks whether the job tables were analysed (StatisticsWatch). */
const STATISTICS_CHECK_MS = 2_000;

/**
 * The queue: JobService, WorkerService and SweepService over one QueueEvents
 * (LISTEN/NOTIFY or in-process), plus this replica's lease reaper and its
 * watch on the job tables' statistics. The listener starts before the port
 * accepts calls, so no early change goes unheard.
 */
export function queueModule(app: App): ServerModule {
  const { events, bus } = createQueueEvents(app.db, app.logger);
  const retained = new Counter({
    name: "whatsnext_retention_deleted_jobs_total",
    help: "Finished jobs deleted by this replica's reaper because they were older than WHATSNEXT_JOB_RETENTION",
    registers: [app.metrics],
  });
  const lost = new Counter({
    name: "whatsnext_lost_leases_total",
    help: "Leases that expired under a job (its worker stopped reporting), by what became of the job",
    labelNames: ["outcome"] as const,
    registers: [app.metrics],
  });
  const reaper = new LeaseReaper(app.db.sql, events, app.logger.child({ component: "reaper" }), {
    intervalMs: app.config.WHATSNEXT_REAPER_INTERVAL_MS,
    maxLostLeases: app.config.WHATSNEXT_MAX_LOST_LEASES,
    workerTimeoutSeconds: app.config.WHATSNEXT_WORKER_TIMEOUT_SECONDS,
    retentionSeconds: app.config.WHATSNEXT_JOB_RETENTION,
    outputRetentionSeconds: app.config.WHATSNEXT_JOB_OUTPUT_RETENTION,
    onPass(result) {
      retained.inc(result.deletedJobs);
      lost.inc({ outcome: "requeued" }, result.requeued.length);
      lost.inc({ outcome: "failed" }, result.failed.length);
    },
  });
  const replans = new Counter({
    name: "whatsnext_statistics_replans_total",
    help: "Times this replica replaced its database connections because the job tables were analysed, so statements are planned on the new statistics",
    registers: [app.metrics],
  });
  // The embedded database runs no autovacuum and holds one connection: nothing to watch.
  const statistics = app.db.kind === "postgres" ? new StatisticsWatch(app.db.sql, app.logger.child({ component: "statistics" }), { intervalMs: STATISTICS_CHECK_MS, onRefresh: () => replans.inc() }) : undefined;
  const estimate = new PendingEstimate(app.db.sql);
  new Gauge({
    name: "whatsnext_fetch_waiting",
    help: "Long-poll FetchJob calls of this replica waiting for a claimable job",
    registers: [app.metrics],
    collect() {
      this.set(bus.waitingCount());
    },
  });
  return {
    name: "queue",
    routes(router) {
      router.service(JobService, createJobService(app, events));
      router.service(WorkerService, createWorkerService(app, events, estimate));
      router.service(SweepService, createSweepService(app, events));
    },
    async start() {
      await events.start();
      reaper.start();
      statistics?.start();
    },
    async stop() {
      await statistics?.stop();
      await reaper.stop();
      await events.stop();
    },
  };
}
