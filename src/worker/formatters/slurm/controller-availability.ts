/**
 * Whether SLURM's controller answers, for a worker that saw it go away: the
 * worker claims nothing until `scontrol ping` says UP again, probing with a
 * backoff that grows with each outage in a row and resets once a submission
 * gets through.
 */
import { abortableDelay } from "../abortable-delay.js";
import { runSchedulerCommand, succeeded } from "../scheduler-command.js";

/** First pause after an outage; it doubles for each outage in a row. */
export const FIRST_OUTAGE_BACKOFF_MS = 1_000;

/** Outages seen by one formatter, shared by its runs. */
export class ControllerAvailability {
  private outagesInARow = 0;

  constructor(private readonly options: { maxBackoffMs: number; commandTimeoutMs?: number; cwd?: string }) {}

  /** A run found the controller unreachable. */
  outage(): void {
    this.outagesInARow += 1;
  }

  /** A submission got through: the next outage starts from the first backoff again. */
  answered(): void {
    this.outagesInARow = 0;
  }

  /** The pause before the next probe, growing with the outages in a row. */
  backoffMs(): number {
    const exponent = Math.min(Math.max(this.outagesInARow - 1, 0), 16);
    return Math.min(this.options.maxBackoffMs, FIRST_OUTAGE_BACKOFF_MS * 2 ** exponent);
  }

  /**
   * Resolves once `scontrol ping` succeeds (the primary or a backup
   * controller answers), waiting the backoff before each probe; also
   * resolves when `signal` aborts.
   */
  async waitUntilAvailable(env: Record<string, string>, signal: AbortSignal): Promise<void> {
    let pause = this.backoffMs();
    for (;;) {
      await abortableDelay(pause, signal);
      if (signal.aborted) return;
      const ping = await runSchedulerCommand(["scontrol", "ping"], { env, cwd: this.options.cwd, timeoutMs: this.options.commandTimeoutMs, signal });
      if (signal.aborted || succeeded(ping)) return;
      pause = Math.min(this.options.maxBackoffMs, pause * 2);
    }
  }
}
