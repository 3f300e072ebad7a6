/**
 * Telling "the cluster did not answer" from "SLURM said no". A controller
 * that is down or restarting, a command that hangs, a missing sbatch or
 * configuration: none of it is the job's fault, so the job is given back to
 * the queue instead of failed (and followed on instead of given up on).
 */
import type { ProcessResult } from "../../process-runner.js";

/** What SLURM commands print when they cannot reach slurmctld (slurm_errno.c), or cannot find the cluster at all. */
const UNREACHABLE_PATTERNS: readonly RegExp[] = [
  /Unable to contact slurm controller/i,
  /Socket timed out on send\/recv operation/i,
  /Zero Bytes were transmitted or received/i,
  /Communication connection failure/i,
  /Connection refused/i,
  /Slurm backup controller in standby mode/i,
  /Slurm temporarily unable to accept job/i,
  /Slurm controller not responding/i,
  /Could not establish a configuration source/i,
  /Unable to process configuration file/i,
  /Unable to establish controller machine/i,
];

/**
 * True when a SLURM command failed because the cluster did not answer: it
 * could not be started (not installed here), it timed out, or it printed one
 * of the controller errors above. False for a command that succeeded or that
 * SLURM refused for a reason of its own (bad partition, unknown account).
 */
export function isClusterUnreachable(result: ProcessResult): boolean {
  if (result.spawnError !== null) return true;
  if (result.aborted) return true;
  if (result.exitCode === 0) return false;
  const said = `${result.stderrTail}\n${result.stdoutTail}`;
  return UNREACHABLE_PATTERNS.some((pattern) => pattern.test(said));
}
