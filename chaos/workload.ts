import { ConnectError } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { BatchJobSpecSchema } from "../gen/whatsnext/v1/job_pb.js";
import { connect } from "../src/client/connect.js";
import type { LedgerRecord } from "./ledger.js";

/** Items per BatchCreateJobs call (each call is all or nothing). */
const BATCH = 1000;

/** The project and jobs a run drains. */
export interface Workload {
  readonly projectId: bigint;
  /** Ids of every job created, in creation order. */
  readonly jobIds: number[];
  /** The creator's answers, for the table of status codes. */
  readonly calls: LedgerRecord[];
}

/**
 * Creates the run's project, a task and the jobs through the API (the
 * SDK's client, gRPC over HTTP/2), in batches of 1000 with the default
 * max_attempts. Every dependencyEvery-th job of a batch depends on the one
 * before it, so that dependencies are claimed, completed and (when a
 * dependency fails) blocked under the faults too. Creation happens before any
 * fault and is not retried: a retried batch whose first answer was lost would
 * create its jobs twice.
 */
export async function createWorkload(serverUrl: string, jobs: number, dependencyEvery: number): Promise<Workload> {
  const client = connect({ server: serverUrl });
  const calls: LedgerRecord[] = [];
  const record = async <T>(rpc: "CreateProject" | "CreateTask" | "BatchCreateJobs", p: Promise<T>): Promise<T> => {
    try {
      const value = await p;
      calls.push({ k: "call", w: "creator", t: Date.now(), rpc, stack: "connect-node gRPC", code: 0 });
      return value;
    } catch (err) {
      const e = ConnectError.from(err);
      calls.push({ k: "call", w: "creator", t: Date.now(), rpc, stack: "connect-node gRPC", code: e.code, msg: e.rawMessage.slice(0, 160) });
      throw new Error(`${rpc} failed while creating the workload: ${e.message}`);
    }
  };
  try {
    const { project } = await record("CreateProject", client.projects.createProject({ name: "chaos", description: "the chaos harness's jobs" }));
    const projectId = project!.id;
    await record("CreateTask", client.tasks.createTask({ projectId, name: "work", commandTemplate: "chaos work {i}" }));
    const jobIds: number[] = [];
    for (let first = 0; first < jobs; first += BATCH) {
      const items: MessageInitShape<typeof BatchJobSpecSchema>[] = [];
      for (let i = first; i < Math.min(jobs, first + BATCH); i++) {
        const dependent = dependencyEvery > 0 && i > first && (i - first) % dependencyEvery === dependencyEvery - 1;
        items.push({ name: `job-${i}`, task: { case: "taskName", value: "work" }, parameters: { i }, dependsOnNames: dependent ? [`job-${i - 1}`] : [] });
      }
      const { jobIds: ids } = await record("BatchCreateJobs", client.jobs.batchCreateJobs({ projectId, jobs: items }));
      jobIds.push(...ids.map(Number));
    }
    return { projectId, jobIds, calls };
  } finally {
    client.close();
  }
}
