import { randomBytes } from 'node:crypto';
import { connect, nanos, type NatsConnection } from 'nats';
import { DEFAULT_MAX_AGE_MS, ensureStream } from './jetstream';
import type { MessagingNaming } from './naming';

jest.setTimeout(60_000);

/** Retention on a real JetStream (ADR 053): who sets it, what an update keeps, what expires. */
describe('stream retention', () => {
  let nc: NatsConnection;
  const id = randomBytes(4).toString('hex');
  const naming: MessagingNaming = {
    subjectPrefix: `${process.env.NATS_SUBJECT_PREFIX}k${id}`,
    streamSuffix: `${process.env.NATS_STREAM_SUFFIX}k${id}`,
  };
  const def = { name: 'KEEP', subjects: ['keep.>'] };
  const name = `KEEP_${naming.streamSuffix}`;

  beforeAll(async () => {
    nc = await connect({ servers: process.env.NATS_URL });
  });

  afterAll(async () => {
    await (await nc.jetstreamManager()).streams.delete(name).catch(() => undefined);
    await nc.close();
  });

  const publish = (n: number) => nc.jetstream().publish(`${naming.subjectPrefix}.keep.x`, Buffer.from(String(n)));
  const info = async () => (await nc.jetstreamManager()).streams.info(name);

  it('creates with the default, leaves the producer’s setting to a consumer’s ensure, and drops only what is older than a new window', async () => {
    await ensureStream(nc, naming, def);
    expect((await info()).config.max_age).toBe(nanos(DEFAULT_MAX_AGE_MS));

    // The producer's start: its retention wins; a consumer ensuring the stream later keeps it.
    await ensureStream(nc, naming, def, { maxAgeMs: 60_000 });
    await ensureStream(nc, naming, def);
    expect((await info()).config).toMatchObject({ max_age: nanos(60_000), duplicate_window: nanos(60_000) });

    await publish(1);
    await publish(2);
    await new Promise((r) => setTimeout(r, 6_000));
    await publish(3);
    // Lengthened before anything expired: every message stays.
    await ensureStream(nc, naming, def, { maxAgeMs: 120_000 });
    expect((await info()).state.messages).toBe(3);

    // Shortened below the age of the first two: they go, the third (within the window) stays.
    await ensureStream(nc, naming, def, { maxAgeMs: 4_000 });
    const deadline = Date.now() + 20_000;
    while ((await info()).state.first_seq < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const { state } = await info();
    expect(state.first_seq).toBe(3);
    expect(state.last_seq).toBe(3);
  });

  it('keeps for ever only when told 0', async () => {
    await ensureStream(nc, naming, def, { maxAgeMs: 0 });
    expect((await info()).config.max_age).toBe(0);
  });
});
