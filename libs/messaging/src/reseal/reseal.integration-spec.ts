import { randomUUID } from 'node:crypto';
import { personalKeyId, SYSTEM_ACTOR, type EventEnvelope } from '@rapport/contracts';
import { AckPolicy, connect, nanos, type JetStreamManager, type NatsConnection } from 'nats';
import { newEvent } from '../events';
import type { MessagingNaming } from '../naming';
import { PersonalKeys } from '../personal-keys';
import { openPersonal, sealPersonal } from '../personal-sealing';
import { abortReseal, RESEALED_FROM, ResealError, resealStream } from './reseal';
import { readRange } from './stream-reader';

/**
 * The reseal tool against the real NATS (ADR 052): a stream written before
 * sealing (plain personal values), with an already sealed message, one about
 * a person erased since, events with no person, and two durable consumers
 * part-way through it.
 */

const tenantId = randomUUID();
const WINDOW_MS = 300;

interface Stored {
  seq: number;
  subject: string;
  msgId: string;
  text: string;
  resealedFrom: string;
}

describe('reseal: rewriting a stream so that no personal value is readable (NATS)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let naming: MessagingNaming;
  let keys: PersonalKeys;
  let counter = 0;

  beforeAll(async () => {
    nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    jsm = await nc.jetstreamManager();
    naming = { subjectPrefix: `${process.env.NATS_SUBJECT_PREFIX ?? 't'}.reseal`, streamSuffix: process.env.NATS_STREAM_SUFFIX ?? 'local' };
    keys = new PersonalKeys(nc, naming);
  });

  afterAll(() => nc?.close());

  /** A stream of its own per test, with a short duplicate window so the test need not wait ten minutes to be "quiet". */
  async function stream(): Promise<string> {
    const name = `RESEAL${++counter}_${naming.streamSuffix}`;
    await jsm.streams.add({ name, subjects: [`${naming.subjectPrefix}.${counter}.>`], duplicate_window: nanos(WINDOW_MS) });
    return name;
  }

  const subjectOf = (name: string, type: string) => `${naming.subjectPrefix}.${name.replace(/^RESEAL(\d+)_.*$/, '$1')}.${type}`;

  async function publish(name: string, event: EventEnvelope): Promise<void> {
    await nc.jetstream().publish(subjectOf(name, event.type), Buffer.from(JSON.stringify(event)), { msgID: event.id });
  }

  async function stored(name: string): Promise<Stored[]> {
    const { state } = await jsm.streams.info(name);
    const out: Stored[] = [];
    await readRange(nc, name, state.first_seq, state.last_seq, async (msg) => {
      out.push({
        seq: msg.seq,
        subject: msg.subject,
        msgId: msg.headers?.get('Nats-Msg-Id') ?? '',
        text: Buffer.from(msg.data).toString('utf8'),
        resealedFrom: msg.headers?.get(RESEALED_FROM) ?? '',
      });
    });
    return out;
  }

  const ada = {
    contactId: randomUUID(),
    leadId: randomUUID(),
    first: `Ada${randomUUID().slice(0, 6)}`,
    email: `ada-${randomUUID()}@x.test`,
  };
  const eve = { contactId: randomUUID(), last: `Erased${randomUUID().slice(0, 6)}`, email: `eve-${randomUUID()}@x.test` };
  const shopKey = `shop-${randomUUID()}`;

  function contactCreated(id: string, firstName: string, lastName: string, email: string) {
    const at = new Date().toISOString();
    return newEvent({
      type: 'sales.contact.created',
      tenantId,
      actor: SYSTEM_ACTOR,
      subjectId: id,
      data: {
        contact: {
          id,
          accountId: null,
          ownerId: null,
          firstName,
          lastName,
          emails: [email],
          phones: [],
          externalIds: [],
          createdAt: at,
          updatedAt: at,
        },
      },
    });
  }

  /** The history: plain messages from before sealing, one sealed since, one about a person already erased, and personless ones. */
  async function history(name: string): Promise<EventEnvelope[]> {
    const events: EventEnvelope[] = [
      contactCreated(ada.contactId, ada.first, 'Lovelace', ada.email),
      newEvent({
        type: 'sales.lead.created',
        tenantId,
        actor: SYSTEM_ACTOR,
        subjectId: ada.leadId,
        data: {
          lead: { id: ada.leadId, firstName: ada.first, lastName: 'Lovelace', company: null, email: ada.email, phone: null, status: 'NEW' },
        },
      }),
      newEvent({ type: 'sales.opportunity.won', tenantId, actor: SYSTEM_ACTOR, subjectId: randomUUID(), data: { amount: '10.00' } }),
      newEvent({
        type: 'commerce.cart.abandoned',
        tenantId,
        actor: SYSTEM_ACTOR,
        subjectId: 'cart-1',
        data: {
          source: 'shop',
          externalCustomer: { source: 'shop', key: shopKey },
          cartId: 'cart-1',
          abandonedAt: new Date().toISOString(),
        },
      }),
      contactCreated(eve.contactId, 'Eve', eve.last, eve.email),
      await sealPersonal(contactCreated(ada.contactId, ada.first, 'Lovelace-King', ada.email), keys),
      newEvent({
        type: 'sales.activity.created',
        tenantId,
        actor: SYSTEM_ACTOR,
        subjectId: randomUUID(),
        data: {
          activity: { id: randomUUID(), type: 'CALL', targetType: 'CONTACT', targetId: ada.contactId, subject: `Call ${ada.first}` },
        },
      }),
    ];
    for (const event of events) await publish(name, event);
    // Eve was erased after her message went out readable: her key is gone, and must stay gone.
    await keys.keyFor(personalKeyId(tenantId, eve.contactId));
    await keys.shred([personalKeyId(tenantId, eve.contactId)]);
    return events;
  }

  /** A durable consumer that took and acknowledged the first `n` messages. */
  async function consumerAt(name: string, durable: string, n: number): Promise<void> {
    await jsm.consumers.add(name, { durable_name: durable, ack_policy: AckPolicy.Explicit });
    if (n === 0) return;
    const consumer = await nc.jetstream().consumers.get(name, durable);
    const messages = await consumer.fetch({ max_messages: n, expires: 5_000 });
    for await (const msg of messages) await msg.ackAck();
  }

  async function next(name: string, durable: string): Promise<EventEnvelope> {
    const msg = await (await nc.jetstream().consumers.get(name, durable)).next({ expires: 5_000 });
    return JSON.parse(Buffer.from(msg!.data).toString('utf8')) as EventEnvelope;
  }

  const quiet = () => new Promise((r) => setTimeout(r, WINDOW_MS + 100));
  const readable = [ada.first, ada.email, eve.last, eve.email, shopKey];

  it('seals every readable message in place, keeping order, ids and the consumers’ places, and loses nothing', async () => {
    const name = await stream();
    const events = await history(name);
    await consumerAt(name, 'halfway', 3);
    await consumerAt(name, 'fresh', 0);
    const before = await stored(name);
    expect(before.filter((m) => readable.some((v) => m.text.includes(v))).length).toBe(5);

    // Just written: refused, nothing touched.
    const refused = await resealStream(nc, naming, name, keys);
    expect(refused).toMatchObject({ outcome: 'refused' });
    expect(refused.reason).toContain('quiet');
    await quiet();
    // A dry run counts and changes nothing.
    expect(await resealStream(nc, naming, name, keys, { dryRun: true, quietMs: WINDOW_MS })).toMatchObject({
      outcome: 'would-reseal',
      messages: 7,
      readable: 5,
      erased: 1,
    });
    expect(await stored(name)).toEqual(before);

    const report = await resealStream(nc, naming, name, keys, { quietMs: WINDOW_MS });
    expect(report).toMatchObject({ outcome: 'resealed', messages: 7, readable: 5, erased: 1, consumersMoved: ['fresh', 'halfway'] });

    const after = await stored(name);
    // Same messages, same order, same subjects and Nats-Msg-Ids; each a copy of the original in its place.
    expect(after.map((m) => [m.subject, m.msgId])).toEqual(before.map((m) => [m.subject, m.msgId]));
    expect(after.map((m) => Number(m.resealedFrom))).toEqual(before.map((m) => m.seq));
    expect(after.map((m) => (JSON.parse(m.text) as EventEnvelope).id)).toEqual(events.map((e) => e.id));
    // Nothing readable is left, and the live keys give every value back; Eve's message reads as erased.
    expect(after.filter((m) => readable.some((v) => m.text.includes(v)))).toEqual([]);
    const opened = await Promise.all(after.map((m) => openPersonal(JSON.parse(m.text) as EventEnvelope, keys)));
    expect(opened[0]).toEqual(events[0]);
    expect(opened[1]).toEqual(events[1]);
    expect(opened[3]).toEqual(events[3]);
    expect(opened[6]).toEqual(events[6]);
    expect((opened[4].data as { contact: { lastName: string; emails: string[] } }).contact).toMatchObject({
      lastName: '[erased]',
      emails: [],
    });
    // The already sealed message was carried over as it was, byte for byte.
    expect(after[5].text).toBe(before[5].text);
    // The keys the reseal used are the ones erasure destroys: shredding Ada's lead key makes the lead read as erased.
    await keys.shred([personalKeyId(tenantId, ada.leadId)]);
    expect((await openPersonal(JSON.parse(after[1].text) as EventEnvelope, keys)).data).toMatchObject({
      lead: { firstName: null, lastName: '[erased]', email: null },
    });

    // The consumers carry on where they were: one after its three acknowledged messages, one from the start.
    expect((await next(name, 'halfway')).id).toBe(events[3].id);
    expect((await next(name, 'fresh')).id).toBe(events[0].id);

    // Run again: nothing left to seal, nothing rewritten.
    await quiet();
    expect(await resealStream(nc, naming, name, keys, { quietMs: WINDOW_MS })).toMatchObject({ outcome: 'nothing-to-seal' });
    expect((await stored(name)).map((m) => m.seq)).toEqual(after.map((m) => m.seq));
  });

  it('resumes a run that died while copying, without a second copy of anything', async () => {
    const name = await stream();
    const events = await history(name);
    await quiet();
    const crash = new Error('killed');
    await expect(
      resealStream(nc, naming, name, keys, {
        quietMs: WINDOW_MS,
        copied: (seq) => {
          if (seq === 3) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    expect((await jsm.streams.info(name)).state.messages).toBe(10);

    // Quiet or not, the run under way goes on: it is the only writer.
    const report = await resealStream(nc, naming, name, keys, { quietMs: WINDOW_MS });
    expect(report).toMatchObject({ outcome: 'resealed', messages: 7 });
    const after = await stored(name);
    expect(after.map((m) => (JSON.parse(m.text) as EventEnvelope).id)).toEqual(events.map((e) => e.id));
    expect(after.filter((m) => readable.some((v) => m.text.includes(v)))).toEqual([]);
  });

  it('stops when someone publishes during the run, and --abort puts the stream back as it was plus their message', async () => {
    const name = await stream();
    await history(name);
    await quiet();
    const before = await stored(name);
    const intruder = newEvent({ type: 'sales.opportunity.won', tenantId, actor: SYSTEM_ACTOR, subjectId: randomUUID(), data: {} });
    await expect(
      resealStream(nc, naming, name, keys, {
        quietMs: WINDOW_MS,
        copied: async (seq) => {
          if (seq === 2) await publish(name, intruder);
        },
      }),
    ).rejects.toBeInstanceOf(ResealError);
    // Resuming refuses too: the intruder sits among the copies.
    await expect(resealStream(nc, naming, name, keys, { quietMs: WINDOW_MS })).rejects.toThrow(/published to .* during the reseal/);

    expect(await abortReseal(nc, naming, name)).toBe(2);
    const after = await stored(name);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.map((m) => m.msgId)).toEqual([...before.map((m) => m.msgId), intruder.id]);
  });
});
