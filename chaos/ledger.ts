import { closeSync, openSync, readFileSync, writeSync } from "node:fs";

/** The RPCs a worker loop and the job creator make. */
export type ChaosRpc = "RegisterWorker" | "FetchJob" | "StartJob" | "FinishJob" | "Heartbeat" | "CreateProject" | "CreateTask" | "BatchCreateJobs";

/** The client stacks the worker loops take turns with. */
export const STACKS = ["grpc-js", "connect-node gRPC", "connect-node Connect"] as const;
export type Stack = (typeof STACKS)[number];

/**
 * One line of a worker process's ledger. Job records trace one execution:
 * claim (FetchJob handed the job to worker w), begin and end (the simulated
 * work, after StartJob was accepted), finish (FinishJob was accepted), drop
 * (the loop gave the job up after a code it does not retry). A call record
 * is one RPC answer with its status code (0 = OK) and, when it failed, the
 * start of its message. t is Date.now() on the one machine all processes share.
 */
export type LedgerRecord =
  | { readonly k: "claim" | "begin" | "end" | "finish"; readonly job: number; readonly w: string; readonly t: number }
  | { readonly k: "drop"; readonly job: number; readonly w: string; readonly t: number; readonly rpc: ChaosRpc; readonly code: number }
  | { readonly k: "call"; readonly w: string; readonly t: number; readonly rpc: ChaosRpc; readonly stack: Stack; readonly code: number; readonly msg?: string };

/**
 * Appends records with one write(2) each, so that a record written before a
 * SIGKILL is in the file (the kernel has it) even though the process never
 * got to close it.
 */
export class LedgerWriter {
  private readonly fd: number;

  constructor(readonly file: string) {
    this.fd = openSync(file, "a");
  }

  write(record: LedgerRecord): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Every record of a ledger file, in order; a torn last line (none should be, see LedgerWriter) is skipped. */
export function readLedger(file: string): LedgerRecord[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const records: LedgerRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      records.push(JSON.parse(line) as LedgerRecord);
    } catch {
      // a line cut short; nothing after it can exist
    }
  }
  return records;
}
