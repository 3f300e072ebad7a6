/**
 * The batch scripts the slurm formatter hands to sbatch. A job's script runs
 * its argv with every argument single-quoted (the shell reading the script
 * only ever sees literal words; `--wrap` is not used since it hands a string
 * to a shell), then writes the command's exit status to an exit marker
 * beside the output file: when SLURM has forgotten the job and keeps no
 * accounting, the marker still says how it ended.
 */
import { join } from "node:path";
import { quoteShellArgument } from "../shell-quote.js";
import type { JobForFormatting, PreparedRun } from "../types.js";

/** Files of one run inside its run folder. */
export const RUN_FILES = {
  script: "job.sh",
  output: "output.log",
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
export function buildBatchScript(job: JobForFormatting, prepared: PreparedRun, exitMarkerPath: string): string {
  const marker = quote(exitMarkerPath);
  const markerTmp = quote(`${exitMarkerPath}.tmp`);
  const lines = [
    "#!/bin/sh",
    `# WhatsNext job ${job.id}: written by the slurm formatter; the command below is exact argv.`,
    // A requeued job runs this script again: the marker of an earlier run must not answer for this one.
    `rm -f ${marker} ${markerTmp}`,
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
