import type { Code } from "@connectrpc/connect";
import type { ChaosRpc, LedgerRecord } from "./ledger.js";
import { codeName, isRetryable } from "./retry-policy.js";

/** One worker process's ledger, and when the harness SIGKILLed it (if it did). */
export interface ProcessLedger {
  readonly label: string;
  readonly records: readonly LedgerRecord[];
  readonly killedAt?: number;
}

/** One execution of one job by one worker, rebuilt from its ledger. */
export interface Execution {
  readonly job: number;
  readonly worker: string;
  readonly process: string;
  claim?: number;
  begin?: number;
  end?: number;
  finish?: number;
  drop?: { readonly rpc: ChaosRpc; readonly code: number };
  /** Its process was SIGKILLed between the claim and a finish or drop. */
  interrupted: boolean;
}

/** The statuses a job may end in, as PostgreSQL stores them. */
export type StoredStatus = "pending" | "queued" | "running" | "completed" | "failed" | "blocked" | "cancelled";

/** The clients' answers with one status code. */
export interface CodeRow {
  readonly code: Code | 0;
  readonly name: string;
  readonly count: number;
  readonly retryable: boolean;
  readonly byRpc: Readonly<Record<string, number>>;
  readonly byStack: Readonly<Record<string, number>>;
  /** Answers by the fault during whose window they came (FaultWindow), or "no fault". */
  readonly byFault: Readonly<Record<string, number>>;
  /** The most frequent message with this code (empty for OK). */
  readonly example: string;
}

/** When a fault was being injected and recovered from, widened by the settle time the report names. */
export interface FaultWindow {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/** Outside every fault window: the answer came while nothing was being broken. */
export const NO_FAULT = "no fault";

/** What a run comes to; see docs/chaos.md for each definition. */
export interface ChaosVerdict {
  readonly created: number;
  readonly completed: number;
  /** Created and not COMPLETED at the end, by final status and by what the ledgers say happened to them (lostCause). */
  readonly lost: { readonly count: number; readonly byStatus: Readonly<Record<string, number>>; readonly byCause: Readonly<Record<string, number>> };
  /** Jobs whose work counted more than once, whose finish was accepted more than once, or that two workers ran at once. */
  readonly duplicated: { readonly count: number; readonly workedTwice: number; readonly finishedTwice: number; readonly overlapping: number; readonly examples: readonly number[] };
  /** QUEUED or RUNNING after every lease has had time to expire. */
  readonly stuck: { readonly count: number; readonly byStatus: Readonly<Record<string, number>> };
  /** COMPLETED with no execution that did the work: a finish nobody earned. */
  readonly completedUnrun: number;
  /** Executions cut short by a SIGKILL of their process (not counted as work done). */
  readonly interrupted: number;
  /** Jobs a loop gave up after a code it does not retry, by "RPC CODE". */
  readonly dropped: Readonly<Record<string, number>>;
  readonly codes: readonly CodeRow[];
  /** Whether lost, duplicated, stuck and completedUnrun are 0 and every code is retryable. */
  readonly clean: boolean;
}

/**
 * What the ledgers say became of a job that was not COMPLETED: the fate of
 * its last execution, or why there was none.
 */
export function lostCause(status: StoredStatus | undefined, executions: readonly Execution[]): string {
  if (status === undefined) return "absent from the database";
  if (status === "blocked") return "BLOCKED: a dependency did not complete";
  const last = executions.at(-1);
  if (!last) return status === "pending" ? "never claimed" : `${status.toUpperCase()} with no claim in any ledger (a FetchJob answer that never arrived)`;
  if (last.interrupted) return `${status.toUpperCase()}: held by the SIGKILLed worker`;
  if (last.drop) return `${status.toUpperCase()}: given up after ${last.drop.rpc} ${codeName(last.drop.code as Code)}`;
  if (last.finish !== undefined) return `${status.toUpperCase()} although its FinishJob was accepted`;
  return `${status.toUpperCase()} after a claim with no outcome in the ledger`;
}

/** Rebuilds executions: a claim opens one per (worker, job); later records of that pair belong to it. */
export function executionsOf(ledgers: readonly ProcessLedger[]): Execution[] {
  const all: Execution[] = [];
  for (const ledger of ledgers) {
    const open = new Map<string, Execution>();
    for (const r of ledger.records) {
      if (r.k === "call") continue;
      const key = `${r.w}\u0000${r.job}`;
      let e = open.get(key);
      if (r.k === "claim" || !e) {
        e = { job: r.job, worker: r.w, process: ledger.label, interrupted: false };
        open.set(key, e);
        all.push(e);
      }
      if (r.k === "drop") e.drop = { rpc: r.rpc, code: r.code };
      else e[r.k] = r.t;
    }
    if (ledger.killedAt !== undefined) for (const e of open.values()) e.interrupted = e.finish === undefined && e.drop === undefined;
  }
  return all;
}

/** Whether two executions' work overlapped in time (an interrupted one ends at its kill; one never ended, never). */
function overlaps(a: Execution, b: Execution, killedAt: ReadonlyMap<string, number>): boolean {
  if (a.begin === undefined || b.begin === undefined) return false;
  const endOf = (e: Execution) => e.end ?? (e.interrupted ? killedAt.get(e.process)! : Number.POSITIVE_INFINITY);
  return a.begin < endOf(b) && b.begin < endOf(a);
}

/** Counts the clients' answers by status code, worst (not retryable) first, then by count. */
export function codeRows(records: Iterable<LedgerRecord>, faultWindows: readonly FaultWindow[] = []): CodeRow[] {
  const rows = new Map<number, { count: number; byRpc: Record<string, number>; byStack: Record<string, number>; byFault: Record<string, number>; messages: Map<string, number> }>();
  for (const r of records) {
    if (r.k !== "call") continue;
    let row = rows.get(r.code);
    if (!row) rows.set(r.code, (row = { count: 0, byRpc: {}, byStack: {}, byFault: {}, messages: new Map() }));
    row.count++;
    row.byRpc[r.rpc] = (row.byRpc[r.rpc] ?? 0) + 1;
    row.byStack[r.stack] = (row.byStack[r.stack] ?? 0) + 1;
    // Windows may overlap (a fault can start within the tail of the one before): the latest to start wins.
    let fault = NO_FAULT;
    let latest = Number.NEGATIVE_INFINITY;
    for (const w of faultWindows) if (w.from <= r.t && r.t <= w.to && w.from > latest) [fault, latest] = [w.name, w.from];
    row.byFault[fault] = (row.byFault[fault] ?? 0) + 1;
    if (r.msg) row.messages.set(r.msg, (row.messages.get(r.msg) ?? 0) + 1);
  }
  return [...rows.entries()]
    .map(([code, row]) => ({
      code: code as Code | 0,
      name: codeName(code as Code | 0),
      count: row.count,
      retryable: isRetryable(code as Code | 0),
      byRpc: row.byRpc,
      byStack: row.byStack,
      byFault: row.byFault,
      example: [...row.messages.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "",
    }))
    .sort((a, b) => Number(a.retryable) - Number(b.retryable) || (a.code === 0 ? -1 : 0) - (b.code === 0 ? -1 : 0) || b.count - a.count);
}

/**
 * Judges a run from the jobs it created, their statuses read from
 * PostgreSQL at the end, the worker ledgers, the creator's own answers and
 * when each fault was under way.
 */
export function judge(
  created: readonly number[],
  finalStatus: ReadonlyMap<number, StoredStatus>,
  ledgers: readonly ProcessLedger[],
  creatorCalls: readonly LedgerRecord[] = [],
  faultWindows: readonly FaultWindow[] = [],
): ChaosVerdict {
  const killedAt = new Map(ledgers.filter((l) => l.killedAt !== undefined).map((l) => [l.label, l.killedAt!]));
  const byJob = new Map<number, Execution[]>();
  for (const e of executionsOf(ledgers)) {
    const list = byJob.get(e.job);
    if (list) list.push(e);
    else byJob.set(e.job, [e]);
  }
  const startOf = (e: Execution) => e.claim ?? e.begin ?? 0;
  for (const list of byJob.values()) list.sort((a, b) => startOf(a) - startOf(b));

  let completed = 0;
  let completedUnrun = 0;
  const lostByStatus: Record<string, number> = {};
  const lostByCause: Record<string, number> = {};
  const stuckByStatus: Record<string, number> = {};
  for (const id of created) {
    const status = finalStatus.get(id);
    const label = status ? status.toUpperCase() : "ABSENT";
    if (status === "completed") {
      completed++;
      if (!(byJob.get(id) ?? []).some((e) => e.end !== undefined)) completedUnrun++;
    } else {
      lostByStatus[label] = (lostByStatus[label] ?? 0) + 1;
      const cause = lostCause(status, byJob.get(id) ?? []);
      lostByCause[cause] = (lostByCause[cause] ?? 0) + 1;
    }
    if (status === "queued" || status === "running") stuckByStatus[label] = (stuckByStatus[label] ?? 0) + 1;
  }

  let workedTwice = 0;
  let finishedTwice = 0;
  let overlapping = 0;
  const duplicatedJobs: number[] = [];
  for (const [job, executions] of byJob) {
    const worked = executions.filter((e) => e.end !== undefined && !e.interrupted).length;
    const finished = executions.filter((e) => e.finish !== undefined).length;
    let overlap = false;
    for (let i = 0; i < executions.length && !overlap; i++) {
      for (let j = i + 1; j < executions.length && !overlap; j++) {
        overlap = executions[i]!.worker !== executions[j]!.worker && overlaps(executions[i]!, executions[j]!, killedAt);
      }
    }
    if (worked > 1) workedTwice++;
    if (finished > 1) finishedTwice++;
    if (overlap) overlapping++;
    if (worked > 1 || finished > 1 || overlap) duplicatedJobs.push(job);
  }

  const dropped: Record<string, number> = {};
  let interrupted = 0;
  for (const executions of byJob.values()) {
    for (const e of executions) {
      if (e.interrupted) interrupted++;
      if (e.drop) {
        const key = `${e.drop.rpc} ${codeName(e.drop.code as Code)}`;
        dropped[key] = (dropped[key] ?? 0) + 1;
      }
    }
  }

  const codes = codeRows([...creatorCalls, ...ledgers.flatMap((l) => l.records)], faultWindows);
  const lost = Object.values(lostByStatus).reduce((a, b) => a + b, 0);
  const stuck = Object.values(stuckByStatus).reduce((a, b) => a + b, 0);
  duplicatedJobs.sort((a, b) => a - b);
  return {
    created: created.length,
    completed,
    lost: { count: lost, byStatus: lostByStatus, byCause: lostByCause },
    duplicated: { count: duplicatedJobs.length, workedTwice, finishedTwice, overlapping, examples: duplicatedJobs.slice(0, 10) },
    stuck: { count: stuck, byStatus: stuckByStatus },
    completedUnrun,
    interrupted,
    dropped,
    codes,
    clean: lost === 0 && duplicatedJobs.length === 0 && stuck === 0 && completedUnrun === 0 && codes.every((c) => c.retryable),
  };
}
