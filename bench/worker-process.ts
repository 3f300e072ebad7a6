/**
 * The bench's worker process: the consumer side of one system, driven by the
 * bench over the IPC channel. Started as
 * `node --import tsx bench/worker-process.ts '<ConsumerTarget JSON>'`.
 */
import { createGraphileConsumer } from "./graphile-worker.js";
import { createPgBossConsumer } from "./pg-boss.js";
import type { RpcRequest, RpcResponse } from "./child-rpc.js";
import type { Consumer, ConsumerTarget } from "./queue-system.js";
import { createWhatsNextConsumer } from "./whatsnext.js";

async function createConsumer(target: ConsumerTarget): Promise<Consumer> {
  switch (target.system) {
    case "whatsnext":
      return createWhatsNextConsumer(target.serverUrl!, target.projectId!);
    case "pg-boss":
      return createPgBossConsumer(target.databaseUrl);
    case "graphile-worker":
      return createGraphileConsumer(target.databaseUrl);
  }
}

const send = (m: RpcResponse | { ready: boolean; error?: string }) => process.send!(m);
const target = JSON.parse(process.argv[2] ?? "{}") as ConsumerTarget;
let consumer: Consumer;
try {
  consumer = await createConsumer(target);
} catch (err) {
  send({ ready: false, error: (err as Error).stack ?? String(err) });
  process.exit(1);
}

let pickup: ReturnType<Consumer["pickup"]> | undefined;
const ops: Record<string, (args: Record<string, number>) => Promise<unknown>> = {
  drain: ({ n, concurrency, batch, deadlineMs, unary }) => consumer.drain(n!, concurrency!, batch!, deadlineMs!, unary ? "unary" : "stream"),
  "pickup-start": async ({ n, concurrency, deadlineMs, unary }) => {
    pickup = consumer.pickup(n!, concurrency!, deadlineMs!, unary ? "unary" : "stream");
    pickup.latencies.catch(() => undefined);
    await pickup.ready;
  },
  "pickup-result": async () => {
    if (!pickup) throw new Error("pickup-result before pickup-start");
    const latencies = await pickup.latencies;
    pickup = undefined;
    return latencies;
  },
};

process.on("message", (req: RpcRequest) => {
  const op = ops[req.op];
  if (!op) return send({ id: req.id, error: `unknown op ${req.op}` });
  op(req.args as Record<string, number>).then(
    (value) => send({ id: req.id, value }),
    (err: unknown) => send({ id: req.id, error: (err as Error).stack ?? String(err) }),
  );
});
process.on("SIGTERM", () => {
  consumer.close().finally(() => process.exit(0));
});
send({ ready: true });
// The bench went away: nothing more will come.
process.on("disconnect", () => {
  consumer.close().finally(() => process.exit(0));
});
