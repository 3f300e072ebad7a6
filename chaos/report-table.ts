import { STACKS } from "./ledger.js";
import { codeName, RETRYABLE_CODES } from "./retry-policy.js";
import { FAULT_WINDOW_TAIL_MS, type ChaosReport } from "./run-chaos.js";
import { NO_FAULT } from "./verdict.js";

const n = (x: number) => x.toLocaleString("en-US");
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s+/g, " ");
const breakdown = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(", ");

/** A Markdown table; numeric columns (named in right) are right-aligned. */
function table(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (right.has(i) ? `${"-".repeat(w + 1)}:` : `:${"-".repeat(w + 1)}`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** Why the run failed, one reason a line; empty when it passed. */
export function failureReasons(report: ChaosReport): string[] {
  const v = report.verdict;
  const reasons: string[] = [];
  if (v.lost.count) reasons.push(`lost ${n(v.lost.count)} (${breakdown(v.lost.byStatus)})`);
  if (v.duplicated.count) reasons.push(`duplicated ${n(v.duplicated.count)} (e.g. job ${v.duplicated.examples.join(", ")})`);
  if (v.stuck.count) reasons.push(`stuck ${n(v.stuck.count)} (${breakdown(v.stuck.byStatus)})`);
  if (v.completedUnrun) reasons.push(`${n(v.completedUnrun)} job(s) COMPLETED without any execution doing their work`);
  const bad = v.codes.filter((c) => !c.retryable);
  if (bad.length) reasons.push(`codes a client does not retry: ${bad.map((c) => `${c.name} ${n(c.count)}`).join(", ")}`);
  reasons.push(...report.problems);
  return reasons;
}

/** The text `npm run chaos` prints: the result table, the faults, the status codes, and footnotes defining every column. */
export function renderReport(report: ChaosReport): string {
  const { options: o, verdict: v } = report;
  const out: string[] = [];
  out.push(
    `WhatsNext chaos run: ${n(v.created)} jobs, ${o.loops} worker loops in ${o.workerProcesses} processes (${STACKS.join(", ")}), ` +
      `2 replicas, PostgreSQL ${report.postgresMajor}, lease ${o.leaseSeconds} s, reaper every ${o.reaperIntervalMs} ms, work ${o.workMinMs}–${o.workMaxMs} ms per job. ` +
      `Drain ${report.drain.seconds.toFixed(1)} s (${report.drain.endedBy}); whole run ${report.totalSeconds.toFixed(1)} s.`,
    "",
  );
  const withBreakdown = (count: number, by: Readonly<Record<string, number>>) => (count ? `${n(count)} (${breakdown(by)})` : "0");
  out.push(
    table(
      ["created", "completed", "lost¹", "duplicated²", "stuck³"],
      [[n(v.created), n(v.completed), withBreakdown(v.lost.count, v.lost.byStatus), n(v.duplicated.count), withBreakdown(v.stuck.count, v.stuck.byStatus)]],
      new Set([0, 1, 2, 3, 4]),
    ),
    "",
  );
  out.push(
    table(
      ["fault", "at (jobs ended)", "what happened"],
      report.faults.map((f) => {
        const held = f.heldJobs ? `; those jobs at the end: ${breakdown(report.heldJobsEnd) || "none"}` : "";
        return [f.name, f.atEnded === undefined ? "—" : n(f.atEnded), cell(`${f.detail}${held}${f.problem ? ` — ${f.problem}` : ""}`)];
      }),
      new Set([1]),
    ),
    "",
  );
  out.push(
    table(
      ["status code⁴", "answers", "retryable", "by RPC", "by client stack", "during⁵", "most frequent message"],
      v.codes.map((c) => [c.name, n(c.count), c.code === 0 ? "—" : c.retryable ? "yes" : "NO", breakdown(c.byRpc), breakdown(c.byStack), breakdown(c.byFault), cell(c.example.slice(0, 90))]),
      new Set([1]),
    ),
    "",
  );
  const dropped = breakdown(v.dropped);
  out.push(
    `Lost, by what the ledgers say became of them: ${breakdown(v.lost.byCause) || "none"}. ` +
      `Jobs a loop gave up after a code it does not retry: ${dropped || "none"}. ` +
      `Executions cut short by the worker SIGKILL (not counted as work done): ${n(v.interrupted)}. ` +
      `Duplicated, by kind: work done twice ${n(v.duplicated.workedTwice)}, finish accepted twice ${n(v.duplicated.finishedTwice)}, ` +
      `run by two workers at once ${n(v.duplicated.overlapping)}. COMPLETED without any execution doing the work: ${n(v.completedUnrun)}.`,
    "",
    "¹ lost: created (BatchCreateJobs returned its id) and not COMPLETED when read from PostgreSQL at the end; in brackets the statuses they were in. Stuck jobs are lost too.",
    "² duplicated: a job whose work was done more than once, or whose FinishJob was accepted more than once, or that two workers ran at once. " +
      "Each worker writes every execution to a ledger (claim, begin and end of the work, finish accepted, with job id, worker id and time; one write(2) per line, so a SIGKILL loses nothing written). " +
      "Work done = an execution that logged the end of its work, except one whose process was SIGKILLed before its finish was accepted (the server never learned of it; running it again is the contract). " +
      "At once = the begin–end intervals of two workers' executions overlap (a killed execution ends at the kill).",
    `³ stuck: QUEUED or RUNNING when read after the workers stopped and then lease (${o.leaseSeconds} s) + 2 reaper intervals + 1 s passed, so every lease has had time to expire and be reaped.`,
    `⁴ every answer the worker loops and the job creator got, per attempt (a retried call counts once per answer). Retryable = a code the loops retry with backoff on the other replica: ${[...RETRYABLE_CODES].map((c) => codeName(c)).join(", ")} (docs/chaos.md says why); any other code gives the job up.`,
    `⁵ the fault under way when the answer came: from the fault's start until ${FAULT_WINDOW_TAIL_MS / 1000} s after the system was whole again (the restarted replica or both replicas answering); "${NO_FAULT}" otherwise.`,
    "",
  );
  const reasons = failureReasons(report);
  out.push(reasons.length === 0 ? "PASS: lost, duplicated and stuck are 0 and every code seen is retryable." : `FAIL:\n${reasons.map((r) => `- ${r}`).join("\n")}`);
  return out.join("\n");
}
