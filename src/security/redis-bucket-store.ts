import { Redis } from "ioredis";
import type { BucketShape, BucketStore, RateDecision } from "./token-bucket.js";

// One round trip, atomic: refill, take, store and expire in the same script, so
// concurrent replicas never both spend the last token.
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
if now > updated then
  tokens = math.min(burst, tokens + (now - updated) * rate)
  updated = now
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(updated))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {allowed, wait}
`;

type RedisWithTake = Redis & { wnxtTakeToken(key: string, rate: number, burst: number, now: number): Promise<[number, number]> };

/**
 * Buckets in Redis, shared by every replica that uses the same URL and key
 * prefix. Keys expire once a bucket would be full again, so Redis memory
 * stays bounded by the callers of the last refill period. Commands fail fast
 * (no offline queue) so an unreachable Redis answers the limiter's failure
 * policy instead of stalling calls.
 */
export class RedisBucketStore implements BucketStore {
  private readonly redis: RedisWithTake;

  constructor(
    url: string,
    private readonly keyPrefix = "whatsnext:rl:",
  ) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1000,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    }) as RedisWithTake;
    this.redis.defineCommand("wnxtTakeToken", { numberOfKeys: 1, lua: TAKE_SCRIPT });
    // Errors surface through failed commands; the event would otherwise crash the process.
    this.redis.on("error", () => undefined);
  }

  /** Connects once; a failure is reported, and the client keeps retrying in the background. */
  async connect(): Promise<void> {
    await this.redis.connect();
  }

  async take(key: string, shape: BucketShape, nowMs: number): Promise<RateDecision> {
    const [allowed, wait] = await this.redis.wnxtTakeToken(this.keyPrefix + key, shape.ratePerSecond, shape.burst, nowMs);
    return { allowed: allowed === 1, retryAfterMs: Number(wait) };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
