/**
 * A one-line progress bar on stderr for long uploads. Drawn only on a
 * terminal, so logs and pipes stay clean.
 */

/** `[##########----------]`: a share done, `width` marks wide, the rest drawn with `empty`. */
export function progressBar(fraction: number, width: number, empty: string): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${"#".repeat(filled)}${empty.repeat(width - filled)}]`;
}

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
    process.stderr.write(`\r${progressBar(this.total === 0 ? 1 : done / this.total, this.width, " ")} ${done}/${this.total} ${this.label}`);
  }

  /** Ends the bar's line so the next output starts clean. */
  finish(): void {
    if (this.enabled) process.stderr.write("\n");
  }
}
