/**
 * `npm run chaos`: drains jobs through two replicas while a worker process,
 * a replica and PostgreSQL are killed or restarted, and prints what came of
 * it (docs/chaos.md). Progress goes to stderr, the table to stdout. Exits 0
 * on PASS, 1 on FAIL or an error, 2 on a bad argument, 130 on Ctrl-C (after
 * killing everything it started and removing its temporary cluster).
 *
 *   npm run chaos [-- --short] [--jobs N] [--loops N] [--keep DIR] …
 */
import { ChaosUsageError, parseChaosArgs } from "./options.js";
import { renderReport } from "./report-table.js";
import { PostgresMissingError, runChaos } from "./run-chaos.js";

let options;
try {
  options = parseChaosArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof ChaosUsageError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}

const interrupt = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupt.signal.aborted) return;
  process.stderr.write(`${signal}: stopping every process the run started and removing its cluster\n`);
  interrupt.abort();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

try {
  const report = await runChaos(options, { log: (line) => process.stderr.write(`${line}\n`), signal: interrupt.signal });
  process.stdout.write(`${renderReport(report)}\n`);
  process.exit(report.pass ? 0 : 1);
} catch (err) {
  const why = interrupt.signal.aborted ? "interrupted" : err instanceof PostgresMissingError ? err.message : `chaos run failed: ${(err as Error).stack ?? String(err)}`;
  process.stderr.write(`${why}\n`);
  process.exit(interrupt.signal.aborted ? 130 : 1);
}
