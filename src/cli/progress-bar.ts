/**
 * A one-line progress bar on stderr for long uploads. Drawn only on a
 * terminal, so logs and pipes stay clean.
 */

/** Redraws `[#####     ] done/total label` in place; finish() ends the line. */
export class ProgressBar {
  private readonly enabled: boolean;

  constructor(
    private readonly total: number,
    private readonly label: string,
    enabled: boolean = Boolean(process.stderr.isTTY),
    private readonly width = 30,
  ) {
    this.enabled = enabled;
  }

  /** Shows `done` of the total. */
  update(done: number): void {
    if (!this.enabled) return;
    const filled = this.total === 0 ? this.width : Math.round((done / this.total) * this.width);
    process.stderr.write(`\r[${"#".repeat(filled)}${" ".repeat(this.width - filled)}] ${done}/${this.total} ${this.label}`);
  }

  /** Ends the bar's line so the next output starts clean. */
  finish(): void {
    if (this.enabled) process.stderr.write("\n");
  }
}
