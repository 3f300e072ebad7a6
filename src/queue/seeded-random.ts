/**
 * A seeded source of uniform numbers in [0, 1): SplitMix64 (Steele, Lea and
 * Flood), small and well studied, so the same seed gives the same draws on
 * every machine and in every release. Not for secrets.
 */
export class SeededRandom {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = BigInt.asUintN(64, seed);
  }

  /** The next 64-bit output. */
  private next64(): bigint {
    this.state = BigInt.asUintN(64, this.state + 0x9e3779b97f4a7c15n);
    let z = this.state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  }

  /** A double in [0, 1) from the top 53 bits. */
  next(): number {
    return Number(this.next64() >> 11n) / 2 ** 53;
  }
}
