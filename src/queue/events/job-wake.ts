/**
 * A follower's wake-up for one job: poked when the job changes or gets new
 * output. Pokes are latched (one that comes while the follower is busy
 * reading makes its next wait return at once), so a follower that subscribes
 * before its first read misses nothing; many pokes between two waits are one.
 */
export class JobWake {
  private poked = false;
  private ended = false;
  private resolve: (() => void) | undefined;

  constructor(private readonly unsubscribe: () => void) {}

  poke(): void {
    const r = this.resolve;
    this.resolve = undefined;
    if (r) r();
    else this.poked = true;
  }

  /** Resolves at the next poke (at once if one came since the last wait), or when ended. */
  wait(): Promise<void> {
    if (this.poked || this.ended) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.resolve = resolve));
  }

  /** Unsubscribes and lets a pending wait return. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe();
    this.poke();
  }

  get isEnded(): boolean {
    return this.ended;
  }
}
