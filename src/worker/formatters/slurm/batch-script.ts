/**
 * The batch scripts the slurm formatter hands to sbatch. A job's script runs
 * its argv with every argument single-quoted (the shell reading the script
 * only ever sees literal words; `--wrap` is not used since it hands a string
 * to a shell), then writes the command's exit status to an exit marker
 * beside the output file: when SLURM has forgotten the job and keeps no
 * accounting, the marker still says how it ended.
 *
 * A job SLURM requeues (node failure, preemption, `scontrol requeue`) runs
 * its script again into the same output file, which sbatch opens in append
 * mode: the script first moves what is there to `output.log.N` (N = SLURM's
 * restart count, so `output.log.1` is the first run's output) and starts the
 * file afresh, so every run's output is kept and `output.log` is the latest.
 */
import { dirname, join } from "node:path";
import { quoteShellArgument } from "../shell-quote.js";
import type { JobForFormatting, PreparedRun } from "../types.js";

/** Files of one run inside its run folder. */
export const RUN_FILES = {
  script: "job.sh",
  output: "output.log",
  /** Prefix of the earlier runs' output of a requeued job: `output.log.1` is the first run's. */
  earlierOutput: "output.log.",
  /** The command's exit status as the shell saw it (0–255; 128+N when killed by signal N), written when it ended. */
  exitMarker: "exit-status",
} as const;

/** Paths of a run's files in its folder. */
export function runFilePaths(runDir: string): { scriptPath: string; outputPath: string; exitMarkerPath: string } {
  return {
    scriptPath: join(runDir, RUN_FILES.script),
    outputPath: join(runDir, RUN_FILES.output),
    exitMarkerPath: join(runDir, RUN_FILES.exitMarker),
  };
}

const quote = (text: string): string => quoteShellArgument(text, { always: true });

/**
 * The batch script of one job. Nothing from the job goes in unquoted, not
 * even into a comment. A command killed by a signal ends the script by the
 * same signal, so SLURM reports the signal as it would for the command itself.
 */
export function buildBatchScript(
  job: JobForFormatting,
  prepared: PreparedRun,
  exitMarkerPath: string,
  outputPath: string = join(dirname(exitMarkerPath), RUN_FILES.output),
): string {
  const marker = quote(exitMarkerPath);
  const markerTmp = quote(`${exitMarkerPath}.tmp`);
  const output = quote(outputPath);
  const earlier = `${quote(join(dirname(outputPath), RUN_FILES.earlierOutput))}"$SLURM_RESTART_COUNT"`;
  const lines = [
    "#!/bin/sh",
    `# WhatsNext job ${job.id}: written by the slurm formatter; the command below is exact argv.`,
    // A requeued job runs this script again: the marker of an earlier run must not answer for this one.
    `rm -f ${marker} ${markerTmp}`,
    // ...and the earlier run's output is kept beside this run's. The copy appears whole (renamed into place)
    // before the file is emptied, so whoever follows the output finds every byte in one of the two.
    `if [ "\${SLURM_RESTART_COUNT:-0}" -gt 0 ] 2>/dev/null; then cp ${output} ${earlier}.tmp && mv -f ${earlier}.tmp ${earlier} && : > ${output}; fi`,
    // The shell's own notes ("Killed" when the command dies by a signal) stay out of the job's output:
    // the shell writes to /dev/null, the command to the job's stderr, kept on fd 3.
    "exec 3>&2 2>/dev/null",
  ];
  for (const [key, value] of Object.entries(prepared.env ?? {})) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) lines.push(`export ${key}=${quote(value)}`);
  }
  lines.push(
    `(${prepared.argv.map(quote).join(" ")} 2>&3 3>&-)`,
    "status=$?",
    `printf '%s\\n' "$status" > ${markerTmp} && mv -f ${markerTmp} ${marker}`,
    'if [ "$status" -gt 128 ] && [ "$status" -lt 160 ]; then kill -"$((status - 128))" "$$"; fi',
    'exit "$status"',
  );
  return `${lines.join("\n")}\n`;
}

/**
 * The script of a job array whose element i runs `<arrayDir>/<i>/job.sh`:
 * each element keeps its own script, output file and exit marker, exactly
 * as a job submitted alone.
 */
export function buildArrayScript(arrayDir: string, jobIds: readonly number[]): string {
  return [
    "#!/bin/sh",
    `# WhatsNext jobs ${jobIds.join(", ")} as one job array: element i runs the script in folder i.`,
    `exec /bin/sh ${quote(arrayDir)}/"$SLURM_ARRAY_TASK_ID"/${RUN_FILES.script}`,
    "",
  ].join("\n");
}
