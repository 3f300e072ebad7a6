/**
 * `npm run chaos`: drains jobs through two replicas while a worker process,
 * a replica and PostgreSQL are killed or restarted, and prints what came of
 * it (docs/chaos.md). Progress goes to stderr, the tables to stdout. Exits 0
 * on PASS, 1 on FAIL or an error, 2 on a bad argument; on Ctrl-C it kills
 * everything it started, removes its temporary cluster and dies of the signal.
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

try {
  const report = await runChaos(options, { log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${renderReport(report)}\n`);
  process.exit(report.pass ? 0 : 1);
} catch (err) {
  process.stderr.write(`${err instanceof PostgresMissingError ? err.message : `chaos run failed: ${(err as Error).stack ?? String(err)}`}\n`);
  process.exit(1);
}
