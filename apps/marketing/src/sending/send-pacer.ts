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
local interval = tonumber(ARGV[1])
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
  async reserve(key: string, perSecond: number): Promise<number> {
    const interval = 1000 / perSecond;
    const wait = await this.redis.eval(RESERVE, 1, `${this.prefix}:pace:${key}`, String(interval));
    return Math.max(0, Number(wait));
  }

  /** Reserves a slot under every limit in turn, waiting for each, so the send respects all of them. */
  async pace(limits: { key: string; perSecond: number }[], sleep: (ms: number) => Promise<void>): Promise<void> {
    for (const limit of limits) {
      const wait = await this.reserve(limit.key, limit.perSecond);
      if (wait > 0) await sleep(wait);
    }
  }
}
