import { randomBytes } from 'node:crypto';
import { connect, headers, type NatsConnection } from 'nats';
import { ensureStream } from './jetstream';
import type { MessagingNaming } from './naming';
import { publishAll } from './publish-all';

jest.setTimeout(60_000);

/** publishAll on a real JetStream: what resolves is stored, in order, once per Nats-Msg-Id; what is not stored rejects. */
describe('publishAll', () => {
  let nc: NatsConnection;
  const id = randomBytes(4).toString('hex');
  const naming: MessagingNaming = {
    subjectPrefix: `${process.env.NATS_SUBJECT_PREFIX}p${id}`,
    streamSuffix: `${process.env.NATS_STREAM_SUFFIX}p${id}`,
  };
  let stream: string;

  beforeAll(async () => {
    nc = await connect({ servers: process.env.NATS_URL });
    stream = await ensureStream(nc, naming, { name: 'PUBALL', subjects: ['puball.>'] });
  });

  afterAll(async () => {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  const message = (n: number, subject = `${naming.subjectPrefix}.puball.x`) => {
    const h = headers();
    h.set('Nats-Msg-Id', `${id}-${n}`);
    return { subject, data: Buffer.from(String(n)), headers: h };
  };

  const stored = async (): Promise<string[]> => {
    const jsm = await nc.jetstreamManager();
    const { state } = await jsm.streams.info(stream);
    const out: string[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      out.push(Buffer.from((await jsm.streams.getMessage(stream, { seq })).data).toString('utf8'));
    }
    return out;
  };

  it('stores every message in the order given, and a re-sent batch adds nothing', async () => {
    const batch = Array.from({ length: 1500 }, (_, n) => message(n));
    await publishAll(nc, batch);
    await publishAll(nc, batch);
    expect(await stored()).toEqual(batch.map((_, n) => String(n)));
  });

  it('rejects when a subject has no stream (nothing acknowledged it)', async () => {
    await expect(publishAll(nc, [message(5000), message(5001, `${naming.subjectPrefix}.nostream.x`)], 5_000)).rejects.toThrow(/nostream/);
  });

  it('rejects when the stream refuses a message', async () => {
    const refused = message(6000);
    refused.headers.set('Nats-Expected-Stream', 'NOT_THIS_ONE');
    await expect(publishAll(nc, [refused], 5_000)).rejects.toThrow(/failed/);
  });

  it('resolves at once for nothing', async () => {
    await expect(publishAll(nc, [])).resolves.toBeUndefined();
  });
});
