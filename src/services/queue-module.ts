import { JobService } from "../../gen/whatsnext/v1/job_pb.js";
import { WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import { LeaseReaper } from "../queue/leases.js";
import { createQueueEvents } from "../queue/notifications.js";
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
  const events = createQueueEvents(app);
  const fork = () => app.db.orm.em.fork();
  const reaper = new LeaseReaper(fork, events, app.logger.child({ component: "reaper" }), {
    intervalMs: app.config.WHATSNEXT_REAPER_INTERVAL_MS,
    backoffBaseSeconds: app.config.WHATSNEXT_RETRY_BACKOFF_SECONDS,
    workerTimeoutSeconds: app.config.WHATSNEXT_WORKER_TIMEOUT_SECONDS,
  });
  const estimate = new PendingEstimate(fork);
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
