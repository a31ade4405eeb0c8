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
    const verdict = await this.take(key, limitPerMinute);
    return verdict.allowed ? null : verdict.resetSeconds;
  }

  /** Counts one request and says where the caller stands (for RateLimit headers). */
  async take(key: string, limitPerMinute: number, now = Date.now()): Promise<RateVerdict> {
    const window = Math.floor(now / 60_000);
    const redisKey = `${this.prefix}:ratelimit:${key}:${window}`;
    const results = await this.redis.multi().incr(redisKey).expire(redisKey, 61).exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    return {
      allowed: count <= limitPerMinute,
      limit: limitPerMinute,
      remaining: Math.max(0, limitPerMinute - count),
      // At least 1: a client told "0 s" retries at once, in the same window.
      resetSeconds: Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000)),
    };
  }
}

export interface RateVerdict {
  allowed: boolean;
  /** Requests per window (one minute). */
  limit: number;
  /** Requests left in this window after this one. */
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** The window every RateLimiter counts in, for the `w` of a RateLimit-Policy. */
export const RATE_WINDOW_SECONDS = 60;

/**
 * RateLimit-Policy and RateLimit headers (IETF draft-ietf-httpapi-ratelimit-headers):
 * the quota and window, and what is left of it. `policy` names the quota.
 */
export function rateLimitHeaders(policy: string, verdict: RateVerdict): Record<string, string> {
  return {
    'RateLimit-Policy': `"${policy}";q=${verdict.limit};w=${RATE_WINDOW_SECONDS}`,
    RateLimit: `"${policy}";r=${verdict.remaining};t=${verdict.resetSeconds}`,
  };
}
