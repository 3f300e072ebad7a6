import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { FetchJobRequest, FetchJobResponseSchema, WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import { ListWorkersRequestSchema } from "../../gen/whatsnext/v1/worker_pb.js";
import { linkedSignal } from "../abort.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { fetchJobs, type ClaimRequest } from "../queue/claim.js";
import type { QueueEvents } from "../queue/events/queue-events.js";
import * as outcomes from "../queue/job-outcomes.js";
import { appendJobOutput } from "../queue/job-output.js";
import type { PendingEstimate } from "../queue/pending-estimate.js";
import * as workers from "../queue/workers.js";
import type { App } from "../server/app.js";
import { principalKey } from "../server/context.js";
import { jobToProto } from "./job-convert.js";
import { timestamp } from "./convert.js";
import { cutPage, requirePage } from "./page-token.js";
import { LIMITS, requireDurationSeconds, requireId, requireIntInRange, requireText } from "./validation.js";
import { workerToProto } from "./worker-convert.js";
import { workHandler } from "./work-stream.js";
import { finishOutcomeOf, itemResultFields } from "./item-results.js";
import { requireOutputPieces } from "./output-convert.js";
import {
  boundPrincipal,
  optionalResource,
  outcomeMessage,
  outputTail,
  requireAcceleratorIds,
  requireBatch,
  requireBatchIds,
  requireExitCode,
  requireSchedulerJob,
  requireWorkerId,
  withoutNul,
} from "./worker-input.js";

/** A validated FetchJob request. */
interface ParsedFetch {
  readonly claim: ClaimRequest;
  readonly waitMs: number;
}

type FetchJobResponseInit = MessageInitShape<typeof FetchJobResponseSchema>;

/** Per-item results of a batch call (finish: the items are finishes, whose outcome is told). */
function toJobResults(results: readonly outcomes.ItemResult[], finish: boolean) {
  return results.map((r) => ({ jobId: BigInt(r.jobId), ...itemResultFields(r, finish) }));
}

/**
 * WorkerService: decodes and validates, calls src/queue (workers, claim,
 * job-outcomes), encodes. Long-poll FetchJob ends early when the caller goes
 * away or the server shuts down.
 */
export function createWorkerService(app: App, events: QueueEvents, estimate: PendingEstimate): ServiceImpl<typeof WorkerService> {
  const leaseSeconds = app.config.WHATSNEXT_LEASE_SECONDS;
  const backoff = app.config.WHATSNEXT_RETRY_BACKOFF_SECONDS;

  /**
   * Validates a FetchJob request (on its own, or as the next of a finish,
   * where prefix is "next." and the worker is the finishing one), before
   * anything is changed.
   */
  const parseFetch = (req: FetchJobRequest, prefix: string, principal: string | null, finishingWorker?: string): ParsedFetch => {
    let workerId: string;
    if (finishingWorker === undefined) workerId = requireWorkerId(`${prefix}worker_id`, req.workerId);
    else if (req.workerId === "" || req.workerId === finishingWorker) workerId = finishingWorker;
    else throw new InvalidArgumentError(`${prefix}worker_id`, `must be empty or the finishing worker ${JSON.stringify(finishingWorker)}, got ${JSON.stringify(req.workerId)}`);
    let project: { id: number } | { name: string };
    switch (req.project.case) {
      case "projectId":
        project = { id: requireId(`${prefix}project_id`, req.project.value) };
        break;
      case "projectName":
        if (req.project.value.trim() === "") throw new InvalidArgumentError(`${prefix}project_name`, "must not be empty");
        project = { name: req.project.value.trim() };
        break;
      default:
        throw new InvalidArgumentError(`${prefix}project`, "must be given by project_id or project_name");
    }
    const waitSeconds = requireIntInRange(`${prefix}wait_seconds`, req.waitSeconds, 0, LIMITS.waitSecondsMax);
    const maxJobs = req.maxJobs === 0 ? 1 : requireIntInRange(`${prefix}max_jobs`, req.maxJobs, 1, LIMITS.maxJobsPerFetch);
    return {
      claim: {
        workerId,
        principal,
        project,
        availableCpu: optionalResource(`${prefix}available_cpu`, req.availableCpu),
        availableAccelerators: optionalResource(`${prefix}available_accelerators`, req.availableAccelerators),
        availableSeconds: requireDurationSeconds(`${prefix}available_time`, req.availableTime, true),
        maxJobs,
        leaseSeconds,
        start: req.start,
      },
      waitMs: waitSeconds * 1000,
    };
  };

  const runFetch = async (fetch: ParsedFetch, callSignal: AbortSignal): Promise<FetchJobResponseInit> => {
    // Only a waiting fetch needs to hear of shutdown.
    const linked = fetch.waitMs > 0 ? linkedSignal(callSignal, app.shutdown) : undefined;
    let result;
    try {
      result = await fetchJobs(app.db.sql, events, estimate, fetch.claim, { waitMs: fetch.waitMs, signal: linked?.signal ?? callSignal });
    } finally {
      linked?.dispose();
    }
    if (callSignal.aborted && result.jobs.length > 0) {
      // The caller gave up on this FetchJob (a worker asking again with what it freed meanwhile): it will
      // never see these jobs, so they go back now, without an attempt spent, not when their lease runs out.
      const who = { workerId: fetch.claim.workerId, principal: fetch.claim.principal };
      for (const job of result.jobs) {
        await outcomes.releaseJob(app.db.sql, events, who, job.id, "the FetchJob that claimed it was cancelled by its caller", { preempted: false, checkpoint: "" }).catch(() => undefined);
      }
    }
    return { jobs: result.jobs.map(jobToProto), numPending: BigInt(result.numPending) };
  };

  const actor = (workerId: string, ctx: HandlerContext) => ({ workerId, principal: boundPrincipal(ctx.values.get(principalKey)) });

  return {
    async registerWorker(req, ctx) {
      const { worker, jobIds } = await workers.registerWorker(app.db.sql, {
        id: req.id === "" ? "" : requireWorkerId("id", req.id),
        name: withoutNul(requireText("name", req.name, 256)),
        entity: withoutNul(requireText("entity", req.entity, 256)),
        description: withoutNul(requireText("description", req.description, LIMITS.descriptionLength)),
        host: withoutNul(requireText("host", req.host, 256)),
        availableCpu: optionalResource("available_cpu", req.availableCpu),
        availableAccelerators: optionalResource("available_accelerators", req.availableAccelerators),
      }, boundPrincipal(ctx.values.get(principalKey)));
      return { worker: workerToProto(worker, jobIds), leaseSeconds, heartbeatIntervalSeconds: Math.max(1, Math.floor(leaseSeconds / 3)) };
    },

    async heartbeat(req, ctx) {
      const running = req.running ? requireBatchIds("running.ids", req.running.ids) : null;
      const hb = await workers.heartbeat(app.db.sql, events, actor(requireWorkerId("worker_id", req.workerId), ctx), leaseSeconds, running);
      return {
        cancelledJobIds: hb.cancelledJobIds.map((id) => BigInt(id)),
        leaseExpireTime: timestamp(hb.leaseExpiresAt),
        releasedJobIds: hb.releasedJobs.map((j) => BigInt(j.id)),
      };
    },

    async deactivateWorker(req, ctx) {
      const r = await workers.deactivateWorker(app.db.sql, events, actor(requireWorkerId("worker_id", req.workerId), ctx));
      return { worker: workerToProto(r.worker, []), releasedJobIds: r.releasedJobIds.map((id) => BigInt(id)) };
    },

    async getWorker(req, ctx) {
      const { worker, jobIds } = await workers.getWorker(app.db.sql, requireWorkerId("worker_id", req.workerId));
      return { worker: workerToProto(worker, jobIds) };
    },

    async listWorkers(req, ctx) {
      const page = requirePage(ListWorkersRequestSchema, req);
      if (page.after !== undefined) requireWorkerId("page_token", page.after);
      const rows = await workers.listWorkers(app.db.sql, { includeInactive: req.includeInactive, afterId: page.after, limit: page.limit });
      const { items, nextPageToken } = cutPage(rows, page, (w) => w.worker.id);
      return { workers: items.map((w) => workerToProto(w.worker, w.jobIds)), nextPageToken };
    },

    async deleteWorker(req, ctx) {
      await workers.deleteWorker(app.db.sql, events, requireWorkerId("worker_id", req.workerId));
      return {};
    },

    async fetchJob(req, ctx) {
      return runFetch(parseFetch(req, "", boundPrincipal(ctx.values.get(principalKey))), ctx.signal);
    },

    async startJob(req, ctx) {
      const jobId = requireId("job_id", req.jobId);
      const workerId = requireWorkerId("worker_id", req.workerId);
      const start = { jobId, command: withoutNul(requireText("command", req.command, LIMITS.commandTemplateLength)), acceleratorIds: requireAcceleratorIds("accelerator_ids", req.acceleratorIds) };
      const [r] = await outcomes.startJobs(app.db.sql, events, actor(workerId, ctx), [start], leaseSeconds);
      if (r!.error) throw r!.error;
      return { job: jobToProto(r!.job) };
    },

    async startJobs(req, ctx) {
      const workerId = requireWorkerId("worker_id", req.workerId);
      const ids = requireBatch("starts", req.starts, (s) => s.jobId);
      const starts = req.starts.map((s, i) => ({
        jobId: ids[i]!,
        command: withoutNul(requireText(`starts[${i}].command`, s.command, LIMITS.commandTemplateLength)),
        acceleratorIds: requireAcceleratorIds(`starts[${i}].accelerator_ids`, s.acceleratorIds),
      }));
      return { results: toJobResults(await outcomes.startJobs(app.db.sql, events, actor(workerId, ctx), starts, leaseSeconds), false) };
    },

    async finishJob(req, ctx) {
      const jobId = requireId("job_id", req.jobId);
      const workerId = requireWorkerId("worker_id", req.workerId);
      const next = req.next ? parseFetch(req.next, "next.", boundPrincipal(ctx.values.get(principalKey)), workerId) : undefined;
      const [r] = await outcomes.finishJobs(
        app.db.sql,
        events,
        actor(workerId, ctx),
        [{ jobId, success: req.success, exitCode: requireExitCode(req.exitCode), message: outcomeMessage(req.message), outputTail: outputTail(req.outputTail) }],
        backoff,
      );
      if (r!.error) throw r!.error;
      return { job: jobToProto(r!.job), finishOutcome: finishOutcomeOf(r!.job), next: next && (await runFetch(next, ctx.signal)) };
    },

    async finishJobs(req, ctx) {
      const workerId = requireWorkerId("worker_id", req.workerId);
      const ids = requireBatch("outcomes", req.outcomes, (o) => o.jobId);
      const items = req.outcomes.map((o, i) => ({
        jobId: ids[i]!,
        success: o.success,
        exitCode: requireExitCode(o.exitCode),
        message: outcomeMessage(o.message),
        outputTail: outputTail(o.outputTail),
      }));
      const next = req.next ? parseFetch(req.next, "next.", boundPrincipal(ctx.values.get(principalKey)), workerId) : undefined;
      const results = toJobResults(await outcomes.finishJobs(app.db.sql, events, actor(workerId, ctx), items, backoff), true);
      return { results, next: next && (await runFetch(next, ctx.signal)) };
    },

    work: workHandler(app, events, estimate),

    async appendJobOutput(req, ctx) {
      const jobId = requireId("job_id", req.jobId);
      const workerId = requireWorkerId("worker_id", req.workerId);
      const attempt = requireIntInRange("attempt", req.attempt, 1, 2_147_483_647);
      const seq = requireId("seq", req.seq);
      const pieces = requireOutputPieces("chunks", req.chunks);
      const r = await appendJobOutput(app.db.sql, events, actor(workerId, ctx), { jobId, attempt, seq, pieces }, { maxBytes: app.config.WHATSNEXT_JOB_OUTPUT_MAX_BYTES });
      return { size: BigInt(r.size), duplicate: r.duplicate };
    },

    async releaseJob(req, ctx) {
      const jobId = requireId("job_id", req.jobId);
      const workerId = requireWorkerId("worker_id", req.workerId);
      const job = await outcomes.releaseJob(app.db.sql, events, actor(workerId, ctx), jobId, withoutNul(requireText("reason", req.reason, LIMITS.messageLength)), {
        preempted: req.preempted,
        checkpoint: withoutNul(requireText("checkpoint", req.checkpoint, LIMITS.messageLength)),
        schedulerJobLeft: req.schedulerJobLeft,
      });
      return { job: jobToProto(job) };
    },

    async reportSchedulerJob(req, ctx) {
      const jobId = requireId("job_id", req.jobId);
      const workerId = requireWorkerId("worker_id", req.workerId);
      const job = await outcomes.recordSchedulerJob(app.db.sql, actor(workerId, ctx), jobId, requireSchedulerJob("scheduler_job", req.schedulerJob));
      return { job: jobToProto(job) };
    },
  };
}
