import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import type { WorkRequestSchema, WorkResponse, WorkerService } from "../../gen/whatsnext/v1/worker_pb.js";
import { AsyncQueue } from "../../src/async-queue.js";

type WorkRequestInit = MessageInitShape<typeof WorkRequestSchema>;

/**
 * A Work stream driven by a test: send() writes a request, next(kind) reads
 * the stream until a response of that kind arrives (keeping the others in
 * `seen`), close() half-closes and waits for the server to end the stream.
 */
export function openWork(client: Client<typeof WorkerService>, open: NonNullable<WorkRequestInit["kind"]>, signal?: AbortSignal) {
  const requests = new AsyncQueue<WorkRequestInit>();
  requests.push({ kind: open } as WorkRequestInit);
  const responses = client.work(requests, { signal })[Symbol.asyncIterator]();
  const seen: WorkResponse[] = [];
  let ref = 0n;
  return {
    seen,
    send(kind: NonNullable<WorkRequestInit["kind"]>): bigint {
      ref += 1n;
      requests.push({ kind, ref } as WorkRequestInit);
      return ref;
    },
    /** The next response of this kind (responses of other kinds are kept in seen). */
    async next<K extends NonNullable<WorkResponse["kind"]["case"]>>(kind: K): Promise<Extract<WorkResponse["kind"], { case: K }>["value"]> {
      for (;;) {
        const r = await responses.next();
        if (r.done) throw new Error(`the Work stream ended before a ${kind} message`);
        seen.push(r.value);
        if (r.value.kind.case === kind) return r.value.kind.value as never;
      }
    },
    /** Reads every response as it comes, until until() holds after one (or the stream ends); one reader, nothing lost. */
    async consume(onMessage: (r: WorkResponse) => void, until: () => boolean): Promise<void> {
      while (!until()) {
        const r = await responses.next();
        if (r.done) return;
        seen.push(r.value);
        onMessage(r.value);
      }
    },
    /** Half-closes (the worker says it stops) without reading: a reader under way sees the stream end once the server ends it. */
    end(): void {
      requests.end();
    },
    /** Half-closes and reads the rest of the stream until the server ends it. */
    async close(): Promise<WorkResponse[]> {
      requests.end();
      const rest: WorkResponse[] = [];
      for (;;) {
        const r = await responses.next();
        if (r.done) return rest;
        rest.push(r.value);
      }
    },
  };
}
