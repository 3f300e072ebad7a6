import type { MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { WorkCapacity as WorkCapacityMessage, WorkRequest, WorkResponseSchema } from "../../gen/whatsnext/v1/worker_pb.js";
import { linkedSignal } from "../abort.js";
import { AsyncQueue } from "../async-queue.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { QueueEvents } from "../queue/events/queue-events.js";
import type { ItemResult } from "../queue/job-outcomes.js";
import type { PendingEstimate } from "../queue/pending-estimate.js";
import { WorkSession, type WorkCapacity } from "../queue/work-session.js";
import type { App } from "../server/app.js";
import { principalKey } from "../server/context.js";
import { jobToProto } from "./job-convert.js";
import { itemResultFields } from "./item-results.js";
import { workerToProto } from "./worker-convert.js";
import {
  boundPrincipal,
  outcomeMessage,
  outputTail,
  requireAcceleratorIds,
  requireExitCode,
  requireSchedulerJob,
  requireWorkerId,
  withoutNul,
} from "./worker-input.js";
import { LIMITS, requireDurationSeconds, requireId, requireIntInRange, requireText } from "./validation.js";

type WorkResponseInit = MessageInitShape<typeof WorkResponseSchema>;

/** A declared capacity from the wire; its time left becomes a deadline now. */
function requireCapacity(field: string, c: WorkCapacityMessage | undefined): WorkCapacity {
  if (!c) throw new InvalidArgumentError(field, "is required: how many jobs (and CPUs, accelerators) the worker runs at once");
  const seconds = requireDurationSeconds(`${field}.available_time`, c.availableTime, true);
  return {
    jobs: requireIntInRange(`${field}.jobs`, c.jobs, 1, LIMITS.maxJobsPerFetch),
    cpu: c.cpu === undefined ? null : requireIntInRange(`${field}.cpu`, c.cpu, 0, LIMITS.requiredResourceMax),
    accelerators: c.accelerators === undefined ? null : requireIntInRange(`${field}.accelerators`, c.accelerators, 0, LIMITS.requiredResourceMax),
    cpuFloor: requireIntInRange(`${field}.cpu_per_job_floor`, c.cpuPerJobFloor, 0, LIMITS.requiredResourceMax),
    deadline: seconds === null ? null : Date.now() + seconds * 1000,
    remaining: c.remainingJobs === 0 ? null : requireIntInRange(`${field}.remaining_jobs`, c.remainingJobs, 1, 2_147_483_647),
    paused: c.paused,
  };
}

function resultOf(ref: bigint, r: ItemResult, finish = false): WorkResponseInit {
  return {
    kind: {
      case: "result",
      value: { ref, jobId: BigInt(r.jobId), job: r.job ? jobToProto(r.job) : undefined, ...itemResultFields(r, finish) },
    },
  };
}

/**
 * WorkerService.Work: a worker's conversation on one stream. The first
 * message opens the session (its worker and project are checked as FetchJob
 * checks them); then capacities, starts, finishes, releases and scheduler jobs come in as
 * they happen, and jobs, cancels and results go out as they happen. Reports
 * are handled concurrently with reading, each job's in order; an error in
 * one report is its result, an invalid message ends the stream with
 * InvalidArgument.
 */
export function workHandler(app: App, events: QueueEvents, estimate: PendingEstimate) {
  return async function* work(requests: AsyncIterable<WorkRequest>, ctx: HandlerContext): AsyncGenerator<WorkResponseInit> {
    const input = requests[Symbol.asyncIterator]();
    const first = await input.next();
    if (first.done || first.value.kind.case !== "open") throw new InvalidArgumentError("open", "must be the first message of a Work stream");
    const open = first.value.kind.value;
    const workerId = requireWorkerId("open.worker_id", open.workerId);
    let project: { id: number } | { name: string };
    if (open.project.case === "projectId") project = { id: requireId("open.project_id", open.project.value) };
    else if (open.project.case === "projectName" && open.project.value.trim() !== "") project = { name: open.project.value.trim() };
    else throw new InvalidArgumentError("open.project", "must be given by project_id or project_name");
    const running = open.running.map((id, i) => requireId(`open.running[${i}]`, id));
    const capacity = requireCapacity("open.capacity", open.capacity);

    const ended = new AbortController();
    const linked = linkedSignal(ctx.signal, app.shutdown, ended.signal);
    const outbox = new AsyncQueue<WorkResponseInit>();
    const leaseSeconds = app.config.WHATSNEXT_LEASE_SECONDS;
    try {
      const { session, worker, released } = await WorkSession.open(
        {
          db: app.db.sql,
          events,
          estimate,
          leaseSeconds,
          backoffBaseSeconds: app.config.WHATSNEXT_RETRY_BACKOFF_SECONDS,
          signal: linked.signal,
          push(message) {
            if (message.kind === "jobs") outbox.push({ kind: { case: "jobs", value: { jobs: message.jobs.map(jobToProto), numPending: BigInt(message.numPending) } } });
            else outbox.push({ kind: { case: message.kind, value: { ids: message.jobIds.map((id) => BigInt(id)) } } });
          },
        },
        { actor: { workerId, principal: boundPrincipal(ctx.values.get(principalKey)) }, project, running, startOnClaim: open.startOnClaim, capacity },
      );
      outbox.push({ kind: { case: "opened", value: { worker: workerToProto(worker.worker, worker.jobIds), leaseSeconds } } });
      if (released.length > 0) outbox.push({ kind: { case: "released", value: { ids: released.map((id) => BigInt(id)) } } });

      const inFlight = new Set<Promise<void>>();
      const report = (ref: bigint, pending: Promise<ItemResult>, finish = false) => {
        const answered = pending.then(
          (r) => outbox.push(resultOf(ref, r, finish)),
          (err: unknown) => outbox.end(err),
        );
        inFlight.add(answered);
        void answered.then(() => inFlight.delete(answered));
      };
      const reading = (async () => {
        for (;;) {
          const next = await input.next();
          if (next.done) return;
          const req = next.value;
          const k = req.kind;
          switch (k.case) {
            case "capacity":
              session.setCapacity(requireCapacity("capacity", k.value));
              break;
            case "start":
              report(
                req.ref,
                session.start({
                  jobId: requireId("start.job_id", k.value.jobId),
                  command: withoutNul(requireText("start.command", k.value.command, LIMITS.commandTemplateLength)),
                  acceleratorIds: requireAcceleratorIds("start.accelerator_ids", k.value.acceleratorIds),
                }),
              );
              break;
            case "finish":
              report(
                req.ref,
                session.finish({
                  jobId: requireId("finish.job_id", k.value.jobId),
                  success: k.value.success,
                  exitCode: requireExitCode(k.value.exitCode),
                  message: outcomeMessage(k.value.message),
                  outputTail: outputTail(k.value.outputTail),
                }),
                true,
              );
              break;
            case "release":
              report(
                req.ref,
                session.release(requireId("release.job_id", k.value.jobId), withoutNul(requireText("release.reason", k.value.reason, LIMITS.messageLength)), {
                  preempted: k.value.preempted,
                  checkpoint: withoutNul(requireText("release.checkpoint", k.value.checkpoint, LIMITS.messageLength)),
                  schedulerJobLeft: k.value.schedulerJobLeft,
                }),
              );
              break;
            case "schedulerJob":
              report(
                req.ref,
                session.recordSchedulerJob(requireId("scheduler_job.job_id", k.value.jobId), requireSchedulerJob("scheduler_job.scheduler_job", k.value.schedulerJob)),
              );
              break;
            case "open":
              throw new InvalidArgumentError("open", "may be sent once, as the first message");
            default:
              throw new InvalidArgumentError("kind", "must be one of open, capacity, start, finish, release, scheduler_job");
          }
        }
      })();
      // The client ends its side when it stops: then the stream ends once the last answers went out.
      reading.then(
        async () => {
          await Promise.all([...inFlight]);
          ended.abort();
        },
        (err: unknown) => outbox.end(err),
      );
      session.run().then(
        () => outbox.end(),
        (err: unknown) => outbox.end(err),
      );
      yield* outbox;
    } finally {
      ended.abort();
      linked.dispose();
    }
  };
}
