import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type KV, type NatsConnection } from 'nats';
import { KeyCreates } from './personal-key-creates';

/**
 * New data keys written together (ADR 085) against the real NATS: each
 * create is what `kv.put(key, value, { previousSeq })` does, with its own
 * answer, though the creates of one turn share a reply subscription.
 */
describe('KeyCreates: the new keys of one turn written together (NATS KV)', () => {
  const bucket = `keycreates_${randomUUID().replace(/-/g, '')}`;
  let nc: NatsConnection;
  let kv: KV;

  beforeAll(async () => {
    nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    kv = await nc.jetstream().views.kv(bucket, { history: 1 });
  });
  afterAll(async () => {
    await kv.destroy();
    await nc.close();
  });

  const newId = () => `tenant.${randomUUID()}`;

  it('writes each key with the revision the bucket gives it, as kv.put would', async () => {
    const creates = new KeyCreates(nc, bucket);
    const ids = Array.from({ length: 50 }, newId);
    const keys = ids.map(() => randomBytes(32));
    const revisions = await Promise.all(ids.map((id, i) => creates.create(id, keys[i], 0)));
    expect(new Set(revisions).size).toBe(50);
    for (const [i, id] of ids.entries()) {
      const entry = await kv.get(id);
      expect(entry?.revision).toBe(revisions[i]);
      expect(Buffer.from(entry?.value ?? []).equals(keys[i])).toBe(true);
    }
  });

  it('refuses a create whose key changed since (wrong last sequence) and still writes the others of its turn', async () => {
    const creates = new KeyCreates(nc, bucket);
    const taken = newId();
    const existing = await kv.put(taken, randomBytes(32));
    const erased = newId();
    await kv.put(erased, randomBytes(32));
    await kv.purge(erased);
    const purgeMarker = (await kv.get(erased))?.revision as number;
    const fresh = newId();
    const [a, b, c, d] = await Promise.allSettled([
      creates.create(taken, randomBytes(32), 0),
      creates.create(fresh, randomBytes(32), 0),
      // Re-made after an erasure: the create names the purge marker's revision.
      creates.create(erased, randomBytes(32), purgeMarker),
      creates.create(newId(), randomBytes(32), 12345678),
    ]);
    expect(a).toMatchObject({ status: 'rejected', reason: { api_error: { err_code: 10071 } } });
    expect(b.status).toBe('fulfilled');
    expect(c.status).toBe('fulfilled');
    expect(d).toMatchObject({ status: 'rejected', reason: { api_error: { err_code: 10071 } } });
    expect((await kv.get(taken))?.revision).toBe(existing);
    expect((await kv.get(erased))?.operation).toBe('PUT');
  });

  it('rejects every create when no stream takes the subject (the bucket is gone)', async () => {
    const creates = new KeyCreates(nc, `${bucket}_missing`);
    const results = await Promise.allSettled([creates.create(newId(), randomBytes(32), 0), creates.create(newId(), randomBytes(32), 0)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/503/);
  });
});
