/** The answer of a bucket: whether the call may run, and if not, when a token will be there. */
export interface RateDecision {
  readonly allowed: boolean;
  /** Milliseconds until one token is available; 0 when allowed. */
  readonly retryAfterMs: number;
}

/** Bucket parameters: refill per second and the largest number of tokens held. */
export interface BucketShape {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/**
 * Where buckets live. The memory store serves one replica; the Redis store
 * lets N replicas share one bucket per caller, so they enforce one limit.
 */
export interface BucketStore {
  take(key: string, shape: BucketShape, nowMs: number): Promise<RateDecision>;
  close?(): Promise<void>;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Refills a bucket for the time passed and takes one token if there is one.
 * Time going backwards (clock skew between replicas) refills nothing.
 */
export function takeToken(bucket: Bucket, shape: BucketShape, nowMs: number): RateDecision {
  const elapsed = Math.max(0, nowMs - bucket.updatedMs);
  bucket.tokens = Math.min(shape.burst, bucket.tokens + (elapsed * shape.ratePerSecond) / 1000);
  bucket.updatedMs = Math.max(bucket.updatedMs, nowMs);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return { allowed: true, retryAfterMs: 0 };
  }
  return { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) * 1000) / shape.ratePerSecond) };
}

/**
 * Buckets in this process, at most `maxBuckets` of them: the least recently
 * used bucket is dropped first, so many distinct callers (spoofed addresses,
 * scans) cannot grow memory without bound. A dropped bucket comes back full,
 * which only ever favours a caller that has been quiet the longest.
 */
export class MemoryBucketStore implements BucketStore {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly maxBuckets = 100_000) {}

  /** How many buckets are held (for tests of the bound). */
  get size(): number {
    return this.buckets.size;
  }

  async take(key: string, shape: BucketShape, nowMs: number): Promise<RateDecision> {
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key);
    } else {
      bucket = { tokens: shape.burst, updatedMs: nowMs };
      while (this.buckets.size >= this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(key, bucket);
    return takeToken(bucket, shape, nowMs);
  }
}

/** What the limiter does when its store does not answer. */
export type StoreFailurePolicy = "allow" | "deny";

/**
 * A token bucket per key, over a store, with an injectable clock so tests
 * step time instead of sleeping. A store failure is counted and answered by
 * the policy: "allow" keeps the service up without limits, "deny" keeps the
 * limit at the cost of refusing everyone until the store is back.
 */
export class RateLimiter {
  /** Store failures seen since start. */
  storeFailures = 0;

  constructor(
    private readonly store: BucketStore,
    readonly shape: BucketShape,
    private readonly options: { now?: () => number; failurePolicy?: StoreFailurePolicy; onStoreFailure?: (err: unknown) => void } = {},
  ) {}

  async take(key: string): Promise<RateDecision> {
    const now = (this.options.now ?? Date.now)();
    try {
      return await this.store.take(key, this.shape, now);
    } catch (err) {
      this.storeFailures++;
      this.options.onStoreFailure?.(err);
      if (this.options.failurePolicy === "deny") return { allowed: false, retryAfterMs: 1000 };
      return { allowed: true, retryAfterMs: 0 };
    }
  }

  async close(): Promise<void> {
    await this.store.close?.();
  }
}

/** The bucket shape from configuration; undefined when limits are off (rate 0). A burst of 0 means one second's worth. */
export function bucketShape(ratePerSecond: number, burst: number): BucketShape | undefined {
  if (!(ratePerSecond > 0)) return undefined;
  return { ratePerSecond, burst: burst > 0 ? burst : Math.max(1, Math.ceil(ratePerSecond)) };
}
