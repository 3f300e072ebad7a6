/**
 * Runs an async pass again and again, intervalMs after the previous one
 * ended, from start() until stop(): passes never overlap, and stop() waits
 * for the one under way. The pass handles its own failures (logs them, or
 * leaves them to the next pass); one that rejects still gets its next turn.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly intervalMs: number,
    private readonly pass: () => Promise<void>,
  ) {}

  /** The first pass runs after firstDelayMs (one interval unless told). */
  start(firstDelayMs = this.intervalMs): void {
    this.stopped = false;
    this.schedule(firstDelayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .catch(() => undefined)
        .finally(() => {
          this.running = undefined;
          this.schedule(this.intervalMs);
        });
    }, ms);
  }
}
