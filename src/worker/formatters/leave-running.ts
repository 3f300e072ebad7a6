/**
 * How a runtime stops following a scheduler job without cancelling it: it
 * aborts the run's signal with a LeaveRunning reason (a worker stopping on
 * SIGTERM that hands its jobs to the next worker; a multi-day job must not
 * die because a login-node process was stopped). Any other abort reason
 * cancels the job. Formatters without a scheduler (cli) stop the job either way.
 */

/** The abort reason asking a scheduler formatter to leave the job running. */
export class LeaveRunning extends Error {
  override readonly name = "LeaveRunning";
}

/** True when the signal was aborted with a LeaveRunning reason. */
export function leavesRunning(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof LeaveRunning;
}
