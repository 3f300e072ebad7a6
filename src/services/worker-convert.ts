import { create } from "@bufbuild/protobuf";
import { WorkerSchema as WorkerMessageSchema, type Worker as WorkerMessage } from "../../gen/whatsnext/v1/worker_pb.js";
import type { Worker } from "../domain/worker.js";
import { timestamp } from "./convert.js";

/** The wire Worker; unreported resources stay unset (not 0, which means "none free"). */
export function workerToProto(w: Worker, jobIds: readonly number[]): WorkerMessage {
  return create(WorkerMessageSchema, {
    id: w.id,
    name: w.name,
    entity: w.entity,
    description: w.description,
    availableCpu: w.availableCpu ?? undefined,
    availableAccelerators: w.availableAccelerators ?? undefined,
    lastHeartbeatTime: timestamp(w.lastHeartbeatAt),
    active: w.active,
    createTime: timestamp(w.createdAt),
    jobIds: jobIds.map((id) => BigInt(id)),
  });
}
