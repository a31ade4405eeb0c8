import Redis from 'ioredis';
import { CallerSubscriptions } from './caller-subscriptions';

/** Two gateway replicas' counts over the real Redis of this run. */
describe('CallerSubscriptions (Redis)', () => {
  let redis: Redis;
  const errors: unknown[] = [];
  const replicas: CallerSubscriptions[] = [];
  const replica = (leaseMs = 30_000) => {
    const r = new CallerSubscriptions(redis, `${process.env.REDIS_PREFIX}:callersubs`, leaseMs, (err) => errors.push(err));
    replicas.push(r);
    return r;
  };

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL as string);
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
    redis.disconnect();
    expect(errors).toEqual([]);
  });

  it('counts a caller’s subscriptions across replicas, per caller, and gives a place back on release', async () => {
    const [a, b] = [replica(), replica()];
    const caller = `t:user:${Math.random()}`;
    const first = await a.claim(caller, 2);
    const second = await b.claim(caller, 2);
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(await a.claim(caller, 2)).toBeNull();
    expect(await b.claim(caller, 2)).toBeNull();
    expect(await b.claim(`${caller}-other`, 2)).not.toBeNull();
    second!.release();
    second!.release();
    await new Promise((r) => setTimeout(r, 50));
    expect(await a.claim(caller, 2)).not.toBeNull();
    expect(await b.claim(caller, 2)).toBeNull();
  });

  it('lets only one of many simultaneous claims take the last place', async () => {
    const [a, b] = [replica(), replica()];
    const caller = `t:apiKey:${Math.random()}`;
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim(caller, 3)));
    expect(claims.filter(Boolean)).toHaveLength(3);
  });

  it('forgets the subscriptions of a replica that stopped renewing (a crashed pod) after the lease, and keeps a renewing one’s', async () => {
    const [crashed, alive] = [replica(300), replica(300)];
    const caller = `t:user:${Math.random()}`;
    expect(await crashed.claim(caller, 2)).not.toBeNull();
    expect(await alive.claim(caller, 2)).not.toBeNull();
    clearInterval(crashed['renewal']);
    await new Promise((r) => setTimeout(r, 800));
    // The crashed replica's place lapsed; the renewing replica's still counts.
    expect(await alive.claim(caller, 2)).not.toBeNull();
    expect(await alive.claim(caller, 2)).toBeNull();
  });
});
