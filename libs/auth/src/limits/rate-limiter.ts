import type Redis from 'ioredis';

/**
 * Fixed one-minute windows in Redis, shared by every replica of a process
 * (the gateway's, and each subgraph's for direct callers): INCR the caller's
 * counter for the current minute and refuse above the limit. One round trip
 * per operation.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Returns seconds until the window resets when over the limit, else null. */
  async hit(key: string, limitPerMinute: number): Promise<number | null> {
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    const redisKey = `${this.prefix}:ratelimit:${key}:${window}`;
    const results = await this.redis.multi().incr(redisKey).expire(redisKey, 61).exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    if (count <= limitPerMinute) return null;
    return Math.ceil(((window + 1) * 60_000 - now) / 1000);
  }
}
