import type { Client } from "@connectrpc/connect";
import type { Job } from "../gen/whatsnext/v1/job_pb.js";
import type { WorkerService, WorkRequest } from "../gen/whatsnext/v1/worker_pb.js";
import { create } from "@bufbuild/protobuf";
import { WorkRequestSchema } from "../gen/whatsnext/v1/worker_pb.js";
import { AsyncQueue } from "../src/async-queue.js";

/** One bench loop's Work stream: pushed jobs go to `jobs`; finish() reports one done. */
export interface BenchStream {
  /** Resolves once the server opened the stream (the loop waits for work from then on). */
  readonly opened: Promise<void>;
  /** Rejects when the stream fails (an error result, a broken stream); resolves when it ended. */
  readonly ended: Promise<void>;
  finish(jobId: bigint): void;
  /** Half-closes and waits for the server to end the stream. */
  close(): Promise<void>;
}

/**
 * Opens a Work stream for a registered bench worker with room for `room`
 * jobs at once, claimed straight into RUNNING (as FetchJob with start), and
 * hands every pushed batch to handlers.jobs. A finish result calls
 * handlers.finished; an error result or a broken stream fails loudly (a bench
 * that loses jobs must not print a figure).
 */
export function openBenchStream(
  client: Client<typeof WorkerService>,
  workerId: string,
  projectId: bigint,
  room: number,
  handlers: { jobs(jobs: readonly Job[], stream: BenchStream): void; finished?(): void },
): BenchStream {
  const outgoing = new AsyncQueue<WorkRequest>();
  outgoing.push(create(WorkRequestSchema, { kind: { case: "open", value: { workerId, project: { case: "projectId", value: projectId }, startOnClaim: true, capacity: { jobs: room } } } }));
  let ref = 0n;
  let opened!: () => void;
  let failed!: (err: unknown) => void;
  const openedPromise = new Promise<void>((resolve, reject) => {
    opened = resolve;
    failed = reject;
  });
  let reading: Promise<void> = Promise.resolve();
  const stream: BenchStream = {
    opened: openedPromise,
    get ended() {
      return reading;
    },
    finish(jobId) {
      ref += 1n;
      outgoing.push(create(WorkRequestSchema, { ref, kind: { case: "finish", value: { jobId, success: true, exitCode: 0 } } }));
    },
    async close() {
      outgoing.end();
      await reading;
    },
  };
  reading = (async () => {
    for await (const res of client.work(outgoing)) {
      const k = res.kind;
      if (k.case === "opened") opened();
      else if (k.case === "jobs") handlers.jobs(k.value.jobs, stream);
      else if (k.case === "result") {
        if (k.value.errorCode !== "") throw new Error(`Work stream: finish of job ${k.value.jobId}: ${k.value.errorCode} ${k.value.errorMessage}`);
        handlers.finished?.();
      }
    }
  })();
  reading.catch((err: unknown) => failed(err));
  return stream;
}
