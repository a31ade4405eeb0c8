import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RateLimiter } from './rate-limiter';

/** Against the real Redis: what a burst of one caller's requests is told, and how many round trips it costs. */
describe('RateLimiter', () => {
  let redis: Redis;
  const prefix = `rl-spec-${randomUUID()}`;

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('gives a burst of one counter the counts one INCR each would give, in one round trip', async () => {
    const limiter = new RateLimiter(redis, prefix);
    const pipelines = jest.spyOn(redis, 'pipeline');
    const now = Date.now();
    const verdicts = await Promise.all(Array.from({ length: 50 }, () => limiter.take('burst', 30, now)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(30);
    // Each request holds its own place: remaining 29 … 0 once each, then 20 refusals.
    expect(verdicts.map((v) => v.remaining)).toEqual([...Array.from({ length: 30 }, (_, i) => 29 - i), ...Array(20).fill(0)]);
    expect(verdicts.slice(30).every((v) => !v.allowed)).toBe(true);
    const stored = await redis.get(`${prefix}:ratelimit:burst:${Math.floor(now / 60_000)}`);
    expect(Number(stored)).toBe(50);
    expect(await redis.ttl(`${prefix}:ratelimit:burst:${Math.floor(now / 60_000)}`)).toBeGreaterThan(50);
    // All 50 arrived in one turn of the event loop: one round trip.
    expect(pipelines).toHaveBeenCalledTimes(1);
    pipelines.mockRestore();
  });

  it('counts other callers and later requests apart', async () => {
    const limiter = new RateLimiter(redis, prefix);
    const now = Date.now();
    const pipelines = jest.spyOn(redis, 'pipeline');
    const [a, b] = await Promise.all([limiter.take('a', 5, now), limiter.take('b', 5, now)]);
    expect([a.remaining, b.remaining]).toEqual([4, 4]);
    expect(pipelines).toHaveBeenCalledTimes(1);
    pipelines.mockRestore();
    expect((await limiter.take('a', 5, now)).remaining).toBe(3);
    expect(await limiter.hit('a', 3)).toBeNull();
    expect(await limiter.hit('a', 3)).toBeGreaterThanOrEqual(1);
  });

  it('fails every request of a burst when Redis does, and counts the next ones once it is back', async () => {
    const flaky = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, enableOfflineQueue: false });
    const limiter = new RateLimiter(flaky, prefix);
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => limiter.take('down', 10)));
    expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill('rejected'));
    // The failed commands started the lazy connection; the next burst finds it up.
    if (flaky.status !== 'ready') await new Promise((resolve) => flaky.once('ready', resolve));
    const verdicts = await Promise.all(Array.from({ length: 3 }, () => limiter.take('down', 10)));
    expect(verdicts.map((v) => v.remaining)).toEqual([9, 8, 7]);
    flaky.disconnect();
  });
});
