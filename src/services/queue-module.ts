import { Gauge } from "prom-client";
import { JobService } from "../../gen/whatsnext/v1/job_pb.js";
import { WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import { createQueueEvents } from "../queue/events/create-queue-events.js";
import { LeaseReaper } from "../queue/leases.js";
import { PendingEstimate } from "../queue/pending-estimate.js";
import type { App, ServerModule } from "../server/app.js";
import { createJobService } from "./job-service.js";
import { createWorkerService } from "./worker-service.js";

/**
 * The queue: JobService and WorkerService over one QueueEvents (LISTEN/NOTIFY
 * or in-process), plus this replica's lease reaper. The listener starts before
 * the port accepts calls, so no early change goes unheard.
 */
export function queueModule(app: App): ServerModule {
  const { events, bus } = createQueueEvents(app.db, app.logger);
  const reaper = new LeaseReaper(app.db.sql, events, app.logger.child({ component: "reaper" }), {
    intervalMs: app.config.WHATSNEXT_REAPER_INTERVAL_MS,
    backoffBaseSeconds: app.config.WHATSNEXT_RETRY_BACKOFF_SECONDS,
    workerTimeoutSeconds: app.config.WHATSNEXT_WORKER_TIMEOUT_SECONDS,
  });
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
    },
    async start() {
      await events.start();
      reaper.start();
    },
    async stop() {
      await reaper.stop();
      await events.stop();
    },
  };
}
