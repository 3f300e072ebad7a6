/**
 * The worker's time left: durations as people write them, SLURM_JOB_END_TIME,
 * the squeue fallback (a stand-in squeue on PATH), the earlier end winning,
 * and the Duration sent to FetchJob.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { it } from "node:test";
import { formatDuration, parseDurationSeconds } from "../../src/duration.js";
import { availableTime, resolveDeadline } from "../../src/worker/walltime.js";

it("reads durations as people and sbatch scripts write them", () => {
  const cases: Array<[string, number | undefined]> = [
    ["600", 600],
    ["90s", 90],
    ["10m", 600],
    ["1h30m", 5400],
    ["2d", 172_800],
    ["1:30:00", 5400],
    ["2-00:00:00", 172_800],
    ["2-12:30", 217_800],
    ["5:30", 330],
    ["soon", undefined],
    ["10 m", undefined],
    ["", undefined],
  ];
  for (const [text, seconds] of cases) assert.equal(parseDurationSeconds(text), seconds, text);
  assert.deepEqual([formatDuration(5400), formatDuration(59), formatDuration(0), formatDuration(90061)], ["1h30m", "59s", "0s", "1d1h1m1s"]);
});

it("takes the earlier of --walltime and the SLURM allocation's end, and sends what is left", async () => {
  const now = 1_800_000_000_000;
  assert.equal(await resolveDeadline(undefined, {}, now), undefined);
  assert.deepEqual(await resolveDeadline(600, {}, now), { atMs: now + 600_000, source: "--walltime" });
  const end = String(now / 1000 + 300);
  assert.deepEqual(await resolveDeadline(600, { SLURM_JOB_END_TIME: end }, now), { atMs: now + 300_000, source: "SLURM_JOB_END_TIME" });
  assert.deepEqual(await resolveDeadline(60, { SLURM_JOB_END_TIME: end }, now), { atMs: now + 60_000, source: "--walltime" });
  await assert.rejects(resolveDeadline(undefined, { SLURM_JOB_END_TIME: "tomorrow" }, now), /SLURM_JOB_END_TIME must be epoch seconds, got "tomorrow"/);
  assert.equal(availableTime(undefined), undefined);
  assert.equal(availableTime({ atMs: now + 90_500, source: "x" }, now)!.seconds, 90n);
  assert.equal(availableTime({ atMs: now - 5000, source: "x" }, now)!.seconds, 0n, "never negative");
});

it("asks squeue for the end of the SLURM job when only SLURM_JOB_ID is set", async () => {
  const bin = mkdtempSync(join(tmpdir(), "wn-squeue-"));
  // squeue prints %e in local time without a zone.
  const end = new Date(Date.now() + 3 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  const local = `${end.getFullYear()}-${pad(end.getMonth() + 1)}-${pad(end.getDate())}T${pad(end.getHours())}:${pad(end.getMinutes())}:${pad(end.getSeconds())}`;
  writeFileSync(join(bin, "squeue"), `#!/bin/sh\n[ "$*" = "-h -j 42 -o %e" ] || { echo "unexpected arguments: $*" >&2; exit 1; }\necho ${local}\n`, { mode: 0o755 });
  const env = { PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`, SLURM_JOB_ID: "42" };
  const deadline = await resolveDeadline(undefined, env);
  assert.equal(deadline?.source, "squeue (SLURM job 42)");
  assert.equal(deadline?.atMs, Math.floor(end.getTime() / 1000) * 1000);
  // No limit (UNLIMITED, N/A), or no squeue at all: no deadline, and a warning for the latter.
  writeFileSync(join(bin, "squeue"), "#!/bin/sh\necho N/A\n", { mode: 0o755 });
  assert.equal(await resolveDeadline(undefined, env), undefined);
  const warnings: string[] = [];
  assert.equal(await resolveDeadline(undefined, { PATH: bin.replace(/$/, "-missing"), SLURM_JOB_ID: "42" }, Date.now(), (w) => warnings.push(w)), undefined);
  assert.match(warnings[0] ?? "", /cannot read the end of SLURM job 42 with squeue/);
});
