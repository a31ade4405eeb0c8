import { randomBytes } from 'node:crypto';
import { connect, nanos, type NatsConnection } from 'nats';
import { ensureProducedStream, ensureStreamOnce } from './ensured-streams';
import type { MessagingNaming } from './naming';

jest.setTimeout(60_000);

/** A stream ensured once per connection at a start (ADR 088), on a real JetStream. */
describe('ensureStreamOnce', () => {
  const connections: NatsConnection[] = [];
  const id = randomBytes(4).toString('hex');
  const naming: MessagingNaming = {
    subjectPrefix: `${process.env.NATS_SUBJECT_PREFIX}e${id}`,
    streamSuffix: `${process.env.NATS_STREAM_SUFFIX}e${id}`,
  };
  const def = { name: 'ONCE', subjects: ['once.>'] };
  const name = `ONCE_${naming.streamSuffix}`;

  const open = async () => {
    const nc = await connect({ servers: process.env.NATS_URL });
    connections.push(nc);
    return nc;
  };
  /** Requests this connection has sent so far. */
  const sent = (nc: NatsConnection) => nc.stats().outMsgs;

  afterAll(async () => {
    const nc = await open();
    const jsm = await nc.jetstreamManager();
    for (const stream of [name, `CLASH_${naming.streamSuffix}`]) await jsm.streams.delete(stream).catch(() => undefined);
    await Promise.all(connections.map((c) => c.close()));
  });

  it('asks JetStream once per stream and connection; a new connection (a restart) ensures again', async () => {
    const nc = await open();
    const first = ensureStreamOnce(nc, naming, def);
    const concurrent = ensureStreamOnce(nc, naming, def);
    expect(await first).toBe(name);
    expect(await concurrent).toBe(name);
    const before = sent(nc);
    expect(await ensureStreamOnce(nc, naming, def)).toBe(name);
    expect(sent(nc)).toBe(before);

    // Deleted behind this connection's back: the next start's connection creates it again.
    await (await nc.jetstreamManager()).streams.delete(name);
    const restarted = await open();
    expect(await ensureStreamOnce(restarted, naming, def)).toBe(name);
    expect((await (await restarted.jetstreamManager()).streams.info(name)).config.name).toBe(name);
  });

  it("counts the producer's ensure, which always applies its retention", async () => {
    const nc = await open();
    await ensureProducedStream(nc, naming, def, { maxAgeMs: 60_000 });
    const before = sent(nc);
    await ensureStreamOnce(nc, naming, def);
    expect(sent(nc)).toBe(before);
    // A second start of the producer applies a changed retention even where the stream was ensured before.
    await ensureProducedStream(nc, naming, def, { maxAgeMs: 120_000 });
    expect((await (await nc.jetstreamManager()).streams.info(name)).config.max_age).toBe(nanos(120_000));
  });

  it('forgets a failed ensure, so the next caller asks again', async () => {
    const nc = await open();
    // Another stream already takes these subjects: JetStream refuses a second one over them.
    await (
      await nc.jetstreamManager()
    ).streams.add({ name: `CLASH_${naming.streamSuffix}`, subjects: [`${naming.subjectPrefix}.clash.>`] });
    const clashing = { name: 'CLASHING', subjects: ['clash.>'] };
    await expect(ensureStreamOnce(nc, naming, clashing)).rejects.toThrow();
    const before = sent(nc);
    await expect(ensureStreamOnce(nc, naming, clashing)).rejects.toThrow();
    expect(sent(nc)).toBeGreaterThan(before);
  });
});
