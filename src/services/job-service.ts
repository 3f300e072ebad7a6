import { create, type JsonObject } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { JobEventType, JobSchema as JobMessageSchema, type JobService, ListJobsRequestSchema } from "../../gen/whatsnext/v1/job_pb.js";
import { linkedSignal } from "../abort.js";
import type { TaskRef } from "../domain/catalog.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { isBlocking } from "../domain/job.js";
import { CreateCoalescer } from "../queue/create-coalescer.js";
import type { JobChangeType, QueueEvents } from "../queue/events/queue-events.js";
import * as control from "../queue/job-control.js";
import * as creation from "../queue/job-creation.js";
import * as reads from "../queue/job-reads.js";
import { followJobOutput, readJobOutput } from "../queue/job-output.js";
import { getProject } from "../queue/projects.js";
import type { App } from "../server/app.js";
import { attemptToProto, jobStatusFromProto, jobStatusToProto, jobToProto } from "./job-convert.js";
import { pageToProto, pieceToProto, requireAttempt, requireOffset, requirePageBytes, MAX_PAGE_BYTES } from "./output-convert.js";
import { afterId, cutPage, requirePage } from "./page-token.js";
import { requireProjectId } from "./project-ref.js";
import { LIMITS, requireDurationSeconds, requireId, requireIntInRange, requireName, requireText } from "./validation.js";

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** parameters: a JSON object of at most LIMITS.parametersBytes encoded; absent means {}. */
function requireParameters(field: string, value: JsonObject | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  const bytes = Buffer.byteLength(JSON.stringify(value), "utf8");
  if (bytes > LIMITS.parametersBytes) {
    throw new InvalidArgumentError(field, `must be at most ${LIMITS.parametersBytes} bytes as JSON, got ${bytes}`);
  }
  return value;
}

/** A job name is optional (empty); when given it follows the name rules. */
function requireJobName(field: string, value: string): string {
  return value === "" ? "" : requireName(field, value, LIMITS.jobNameLength);
}

/** 0 means the default of 1 (no automatic retry). */
function requireMaxAttempts(field: string, value: number): number {
  return value === 0 ? 1 : requireIntInRange(field, value, 1, LIMITS.maxAttempts);
}

function requirePriority(field: string, value: number): number {
  return requireIntInRange(field, value, INT32_MIN, INT32_MAX);
}

/** Dependency ids: valid ids, at most LIMITS.dependencyCount, none twice. */
function requireDependsOn(field: string, values: readonly bigint[]): number[] {
  if (values.length > LIMITS.dependencyCount) {
    throw new InvalidArgumentError(field, `must list at most ${LIMITS.dependencyCount} jobs, got ${values.length}`);
  }
  const ids = values.map((v, i) => requireId(`${field}[${i}]`, v));
  const seen = new Set<number>();
  for (const id of ids) {
    if (seen.has(id)) throw new InvalidArgumentError(field, `names job ${id} twice`);
    seen.add(id);
  }
  return ids;
}

function requireIdempotencyKey(field: string, value: string): string | null {
  return value === "" ? null : requireText(field, value, 256);
}

type TaskOneof = { case: "taskId"; value: bigint } | { case: "taskName"; value: string } | { case: undefined; value?: undefined };

function requireTask(prefix: string, task: TaskOneof): TaskRef {
  switch (task.case) {
    case "taskId":
      return { id: requireId(`${prefix}task_id`, task.value) };
    case "taskName":
      return { name: requireName(`${prefix}task_name`, task.value) };
    default:
      throw new InvalidArgumentError(`${prefix}task`, "is required: give task_id or task_name");
  }
}

const eventTypeOf: Record<JobChangeType, JobEventType> = {
  created: JobEventType.CREATED,
  updated: JobEventType.UPDATED,
  deleted: JobEventType.DELETED,
};

/**
 * JobService: decodes and validates requests, calls src/queue (job-creation,
 * job-reads, job-control), encodes
 * the answer. Changes are published through events by the domain after commit;
 * WatchJobs streams them back out.
 */
export function createJobService(app: App, events: QueueEvents): ServiceImpl<typeof JobService> {
  const creates = new CreateCoalescer(app.db.sql, events);
  const output = { maxBytes: app.config.WHATSNEXT_JOB_OUTPUT_MAX_BYTES };
  return {
    async createJob(req, ctx) {
      const projectId = await requireProjectId(app.db.sql, req);
      const { job, existing } = await creates.create(projectId, {
        task: requireTask("", req.task),
        name: requireJobName("name", req.name),
        parameters: requireParameters("parameters", req.parameters),
        priority: requirePriority("priority", req.priority),
        dependsOn: requireDependsOn("depends_on", req.dependsOn),
        maxAttempts: requireMaxAttempts("max_attempts", req.maxAttempts),
        idempotencyKey: requireIdempotencyKey("idempotency_key", req.idempotencyKey),
        expectedSeconds: requireDurationSeconds("expected_duration", req.expectedDuration),
      });
      return { job: jobToProto(job), existing };
    },

    async batchCreateJobs(req, ctx) {
      const projectId = await requireProjectId(app.db.sql, req);
      if (req.jobs.length === 0 || req.jobs.length > LIMITS.batchSize) {
        throw new InvalidArgumentError("jobs", `must hold between 1 and ${LIMITS.batchSize} items, got ${req.jobs.length}`);
      }
      const items = req.jobs.map((spec, i): creation.NewBatchJob => {
        const p = `jobs[${i}].`;
        const dependsOnNames = spec.dependsOnNames.map((n, k) => requireName(`${p}depends_on_names[${k}]`, n, LIMITS.jobNameLength));
        if (spec.dependsOn.length + dependsOnNames.length > LIMITS.dependencyCount) {
          throw new InvalidArgumentError(`${p}depends_on`, `must list at most ${LIMITS.dependencyCount} jobs with depends_on_names`);
        }
        return {
          task: requireTask(p, spec.task),
          name: requireJobName(`${p}name`, spec.name),
          parameters: requireParameters(`${p}parameters`, spec.parameters),
          priority: requirePriority(`${p}priority`, spec.priority),
          dependsOn: requireDependsOn(`${p}depends_on`, spec.dependsOn),
          dependsOnNames,
          maxAttempts: requireMaxAttempts(`${p}max_attempts`, spec.maxAttempts),
          idempotencyKey: requireIdempotencyKey(`${p}idempotency_key`, spec.idempotencyKey),
          expectedSeconds: requireDurationSeconds(`${p}expected_duration`, spec.expectedDuration),
        };
      });
      const ids = await creation.batchCreateJobs(app.db.sql, events, projectId, items);
      return { jobIds: ids.map((id) => BigInt(id)) };
    },

    async getJob(req, ctx) {
      return { job: jobToProto(await reads.getJob(app.db.sql, requireId("id", req.id))) };
    },

    async listJobs(req, ctx) {
      const projectId = await requireProjectId(app.db.sql, req);
      const page = requirePage(ListJobsRequestSchema, req);
      const rows = await reads.listJobs(app.db.sql, {
        projectId,
        statuses: req.statuses.map((s, i) => jobStatusFromProto(s, `statuses[${i}]`)),
        taskName: req.taskName === "" ? null : requireName("task_name", req.taskName),
        sweepId: req.sweepId === 0n ? null : requireId("sweep_id", req.sweepId),
        afterId: afterId(page.after),
        limit: page.limit,
      });
      const { items, nextPageToken } = cutPage(rows, page, (j) => String(j.id));
      return { jobs: items.map(jobToProto), nextPageToken };
    },

    async updateJob(req, ctx) {
      const id = requireId("id", req.id);
      const job = await control.updateJob(app.db.sql, events, id, {
        priority: req.priority === undefined ? undefined : requirePriority("priority", req.priority),
        parameters: req.parameters === undefined ? undefined : requireParameters("parameters", req.parameters),
        dependsOn: req.dependsOn === undefined ? undefined : requireDependsOn("depends_on", req.dependsOn.ids),
      });
      return { job: jobToProto(job) };
    },

    async deleteJob(req, ctx) {
      await control.deleteJob(app.db.sql, events, requireId("id", req.id));
      return {};
    },

    async retryJob(req, ctx) {
      const { job, unblocked } = await control.retryJob(app.db.sql, events, requireId("id", req.id));
      return { job: jobToProto(job), unblockedJobIds: unblocked.map((id) => BigInt(id)) };
    },

    async cancelJob(req, ctx) {
      const reason = requireText("reason", req.reason, LIMITS.messageLength);
      const { job, blocked } = await control.cancelJob(app.db.sql, events, requireId("id", req.id), reason);
      return { job: jobToProto(job), blockedJobIds: blocked.map((id) => BigInt(id)) };
    },

    async listJobAttempts(req) {
      const attempts = await reads.listJobAttempts(app.db.sql, requireId("job_id", req.jobId));
      return { attempts: attempts.map(attemptToProto) };
    },

    async getJobOutput(req) {
      const page = await readJobOutput(
        app.db.sql,
        {
          jobId: requireId("job_id", req.jobId),
          attempt: requireAttempt("attempt", req.attempt),
          offset: requireOffset("offset", req.offset),
          fromEnd: req.fromEnd,
          maxBytes: requirePageBytes("max_bytes", req.maxBytes),
        },
        output,
      );
      return pageToProto(page);
    },

    async *followJobOutput(req, ctx) {
      const follow = {
        jobId: requireId("job_id", req.jobId),
        attempt: requireAttempt("attempt", req.attempt),
        offset: requireOffset("offset", req.offset),
        tailBytes: Math.min(requireOffset("tail_bytes", req.tailBytes), MAX_PAGE_BYTES),
      };
      const linked = linkedSignal(ctx.signal, app.shutdown);
      try {
        for await (const page of followJobOutput(app.db.sql, events, follow, linked.signal, output)) {
          yield { attempt: page.attempt, chunks: page.pieces.map(pieceToProto), nextOffset: BigInt(page.nextOffset) };
        }
      } finally {
        linked.dispose();
      }
    },

    async getJobDependencies(req, ctx) {
      const deps = await reads.getJobDependencies(app.db.sql, requireId("id", req.id));
      return {
        dependencies: deps.map((d) => ({ id: BigInt(d.id), name: d.name, status: jobStatusToProto[d.status] })),
        allCompleted: deps.every((d) => d.status === "completed"),
        hasFailed: deps.some((d) => isBlocking(d.status)),
      };
    },

    async clearQueue(req, ctx) {
      const deleted = await control.clearQueue(app.db.sql, events, await requireProjectId(app.db.sql, req));
      return { deleted: BigInt(deleted) };
    },

    async getQueueStats(req, ctx) {
      const s = await reads.getQueueStats(app.db.sql, await requireProjectId(app.db.sql, req));
      return {
        pending: BigInt(s.byStatus.pending),
        queued: BigInt(s.byStatus.queued),
        running: BigInt(s.byStatus.running),
        completed: BigInt(s.byStatus.completed),
        failed: BigInt(s.byStatus.failed),
        blocked: BigInt(s.byStatus.blocked),
        cancelled: BigInt(s.byStatus.cancelled),
        total: BigInt(s.total),
        activeWorkers: s.activeWorkers,
        registeredWorkers: s.registeredWorkers,
        projectWorkers: s.projectWorkers,
      };
    },

    async *watchJobs(req, ctx) {
      const projectId = await requireProjectId(app.db.sql, req);
      const ended = new AbortController();
      const linked = linkedSignal(ctx.signal, app.shutdown, ended.signal);
      const signal = linked.signal;
      // Subscribe before anything else, so no change between the caller's
      // request and our first read is lost; the first next() starts the
      // subscription even if watch() is a lazy generator.
      const changes = events.watch(projectId, signal)[Symbol.asyncIterator]();
      let next = changes.next();
      try {
        const sql = app.db.sql;
        await getProject(sql, { id: projectId });
        if (req.confirmSubscription) yield { type: JobEventType.SUBSCRIBED };
        for (;;) {
          const r = await next;
          if (r.done || signal.aborted) return;
          next = changes.next();
          const change = r.value;
          if (change.type === "deleted") {
            yield { type: JobEventType.DELETED, job: create(JobMessageSchema, { id: BigInt(change.jobId), projectId: BigInt(change.projectId) }) };
            continue;
          }
          const job = await reads.findJob(sql, change.jobId);
          if (job) yield { type: eventTypeOf[change.type], job: jobToProto(job) };
        }
      } finally {
        // Ends the subscription however the stream ends (client gone, shutdown, error).
        ended.abort();
        linked.dispose();
        next.catch(() => undefined);
      }
    },
  };
}
