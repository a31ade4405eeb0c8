import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import type { MessagingNaming } from './naming';
import type { PersonalKeyWatch } from './personal-key-watch';
import { PersonalKeys, type PersonalKeysOptions } from './personal-keys';

/**
 * Data keys cached per process against the real NATS (ADR 076): every
 * instance has its own connection, as separate services would. Waits are
 * bounded by the watch (`caughtUp`: a proof that the watch applied the
 * bucket up to now), never by a sleep.
 */
describe('PersonalKeys: per-process key cache kept honest by a bucket watch (NATS)', () => {
  const naming: MessagingNaming = {
    subjectPrefix: `${process.env.NATS_SUBJECT_PREFIX ?? 't'}.keys`,
    streamSuffix: process.env.NATS_STREAM_SUFFIX ?? 'local',
  };
  const connections: NatsConnection[] = [];
  const instances: PersonalKeys[] = [];

  async function instance(options: PersonalKeysOptions = {}): Promise<{ keys: PersonalKeys; nc: NatsConnection }> {
    const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    connections.push(nc);
    const keys = new PersonalKeys(nc, naming, options);
    instances.push(keys);
    // The watch runs from here on: what follows measures calls, not the watch's start.
    expect(await keys.caughtUp()).toBe(true);
    return { keys, nc };
  }

  /** Messages this connection sent while `work` ran (requests, publishes). */
  async function sent(nc: NatsConnection, work: () => Promise<unknown>): Promise<number> {
    const before = nc.stats().outMsgs;
    await work();
    return nc.stats().outMsgs - before;
  }

  const newId = () => `tenant.${randomUUID()}`;
  const watchOf = (keys: PersonalKeys) => (keys as unknown as { watch: PersonalKeyWatch }).watch;

  afterAll(async () => {
    for (const keys of instances) keys.close();
    await Promise.all(connections.map((nc) => nc.close()));
  });

  it('makes a new record`s key with one request and seals with it again with none', async () => {
    // Fails on the code before ADR 076: get, create, get (3 requests), and a get for every later sealing.
    const { keys, nc } = await instance({ sealStaleMs: 60_000 });
    const id = newId();
    let made: Awaited<ReturnType<PersonalKeys['keyFor']>> | undefined;
    expect(await sent(nc, async () => (made = await keys.keyFor(id)))).toBe(1);
    expect(await sent(nc, async () => expect(await keys.keyFor(id)).toEqual(made))).toBe(0);
    // Ten sealings of one new record at once (a relay batch): still one request, one key.
    const other = newId();
    let all: Awaited<ReturnType<PersonalKeys['keyFor']>>[] = [];
    expect(await sent(nc, async () => (all = await Promise.all(Array.from({ length: 10 }, () => keys.keyFor(other)))))).toBe(1);
    expect(new Set(all.map((k) => k.key.toString('hex'))).size).toBe(1);
  });

  it('shred in one process: the other opens nothing with the old key at once, and seals with a new one once its watch caught up', async () => {
    const a = (await instance()).keys;
    const b = (await instance()).keys;
    const strict = (await instance({ sealStaleMs: 0 })).keys;
    const id = newId();
    const old = await a.keyFor(id);
    expect(await b.find(id)).toEqual(old);
    expect(await b.keyFor(id)).toEqual(old);
    expect(await strict.keyFor(id)).toEqual(old);
    expect(b.cached).toBeGreaterThan(0);

    await a.shred([id]);
    // Opening takes no stale key at all: a key purged before the call is never returned.
    expect(await b.find(id)).toBeNull();
    // Sealing with a zero bound is as strict.
    const fresh = await strict.keyFor(id);
    expect(fresh.revision).toBeGreaterThan(old.revision);
    expect(fresh.key.equals(old.key)).toBe(false);
    // With the default bound, once the watch has applied the purge.
    expect(await b.caughtUp()).toBe(true);
    expect(await b.keyFor(id)).toEqual(fresh);
    expect(await a.find(id)).toEqual(fresh);
  });

  it('shred evicts in its own process before it returns', async () => {
    const { keys } = await instance({ sealStaleMs: 60_000 });
    const id = newId();
    const old = await keys.keyFor(id);
    await keys.shred([id]);
    expect(await keys.shredded(id)).toBe(true);
    const again = await keys.keyFor(id);
    expect(again.revision).toBeGreaterThan(old.revision);
    expect(again.key.equals(old.key)).toBe(false);
    expect(await keys.shredded(id)).toBe(false);
  });

  it('two processes making the same new record`s key at once agree on one key', async () => {
    const a = (await instance()).keys;
    const b = (await instance()).keys;
    const ids = Array.from({ length: 20 }, newId);
    const pairs = await Promise.all(ids.map((id) => Promise.all([a.keyFor(id), b.keyFor(id)])));
    for (const [fromA, fromB] of pairs) expect(fromA).toEqual(fromB);
    // And each keeps the one the bucket holds.
    for (const [i, id] of ids.entries()) expect(await a.find(id)).toEqual(pairs[i][0]);
  });

  it('keeps at most maxCached keys, least recently used out first', async () => {
    const { keys, nc } = await instance({ maxCached: 3, sealStaleMs: 60_000 });
    const ids = Array.from({ length: 5 }, newId);
    for (const id of ids) await keys.keyFor(id);
    expect(keys.cached).toBe(3);
    expect(await sent(nc, () => keys.keyFor(ids[4]))).toBe(0);
    expect(await sent(nc, () => keys.keyFor(ids[0]))).toBeGreaterThan(0);
    expect(keys.cached).toBe(3);
  });

  it('a watch that fails drops the cache; meanwhile the server answers; the restarted watch evicts again', async () => {
    const a = (await instance()).keys;
    const b = (await instance()).keys;
    const id = newId();
    const old = await a.keyFor(id);
    expect(await b.keyFor(id)).toEqual(old);
    const watch = watchOf(b);
    const generation = watch.generation;

    watch.interrupt();
    expect(b.cached).toBe(0);
    await a.shred([id]);
    expect(await b.find(id)).toBeNull();
    const fresh = await b.keyFor(id);
    expect(fresh.revision).toBeGreaterThan(old.revision);

    // The watch restarts by itself (a new generation); wait for it, then the cache works and is evicted again.
    expect(await b.caughtUp()).toBe(true);
    expect(watch.generation).toBeGreaterThan(generation);
    const other = newId();
    await b.keyFor(other);
    expect(b.cached).toBe(1);
    await a.shred([other]);
    expect(await b.caughtUp()).toBe(true);
    expect(b.cached).toBe(0);
  });
});
