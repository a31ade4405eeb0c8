import type Redis from 'ioredis';

/**
 * Paces sends to a rate shared by every worker of every replica: each call
 * reserves the next free slot of a key (a provider, a campaign) in Redis,
 * atomically, and says how long to wait for it. Slots are `1000 / rate` ms
 * apart on Redis's own clock, so replicas with skewed clocks agree. A
 * reservation is always used (the caller waits for it), so no capacity is
 * lost to it.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1]) * tonumber(ARGV[2] or '1')
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(next_free, now)
redis.call('SET', KEYS[1], tostring(slot + interval), 'PX', math.ceil(slot + interval - now) + 60000)
return slot - now`;

export class SendPacer {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Milliseconds to wait before the reserved send, at most `perSecond` sends a second for `key`. */
  /**
   * Milliseconds to wait before the reserved sends, at most `perSecond`
   * sends a second for `key`: `count` consecutive slots are reserved at once
   * (a claimed batch), and the next reservation starts after the last of
   * them, so the rate holds over any stretch longer than the batch's slots.
   */
  async reserve(key: string, perSecond: number, count = 1): Promise<number> {
    const interval = 1000 / perSecond;
    const wait = await this.redis.eval(RESERVE, 1, `${this.prefix}:pace:${key}`, String(interval), String(count));
    return Math.max(0, Number(wait));
  }

  /** Reserves `count` slots under every limit in turn, waiting for each, so the sends respect all of them. */
  async pace(limits: { key: string; perSecond: number }[], sleep: (ms: number) => Promise<void>, count = 1): Promise<void> {
    for (const limit of limits) {
      const wait = await this.reserve(limit.key, limit.perSecond, count);
      if (wait > 0) await sleep(wait);
    }
  }
}
