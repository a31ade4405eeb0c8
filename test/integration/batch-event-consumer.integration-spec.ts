import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@rapport/contracts';
import {
  BatchEventConsumer,
  createMessagingTables,
  DeadLetter,
  ensureStream,
  EventConsumer,
  listParked,
  newEvent,
} from '@rapport/messaging';
import { scratchDatabase } from '@rapport/testing';
import { AckPolicy, connect, DeliverPolicy, type NatsConnection } from 'nats';
import type { MigrationInterface, QueryRunner } from 'typeorm';

class Tables1700000000001 implements MigrationInterface {
  name = 'Tables1700000000001';
  async up(q: QueryRunner) {
    await createMessagingTables(q);
    await q.query(`CREATE TABLE applied (event_id uuid NOT NULL, tenant_id uuid NOT NULL)`);
    await q.query(`ALTER TABLE applied ENABLE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY t ON applied USING (tenant_id = NULLIF(current_setting('rapport.tenant_id', true), '')::uuid)`);
    // Effects keyed by the event: what a consumer without the inbox relies on.
    await q.query(`CREATE TABLE applied_once (event_id uuid PRIMARY KEY)`);
  }
  async down() {
    /* throwaway schema: dropped whole */
  }
}

const silent = { error: () => undefined, debug: () => undefined, info: () => undefined };
const TYPE = 'testing.batch.happened';

describe('BatchEventConsumer against Postgres and JetStream', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let nc: NatsConnection;
  const token = randomUUID().slice(0, 8);
  const naming = {
    subjectPrefix: `${process.env.NATS_SUBJECT_PREFIX}${token}`,
    streamSuffix: `${token}_${process.env.NATS_STREAM_SUFFIX}`,
  };
  let stream: string;
  let deadLetter: DeadLetter;
  const tenantA = randomUUID();
  const tenantB = randomUUID();

  beforeAll(async () => {
    db = await scratchDatabase('batchconsumer', [Tables1700000000001]);
    nc = await connect({ servers: process.env.NATS_URL });
    stream = await ensureStream(nc, naming, { name: 'TESTBATCH', subjects: ['testing.>'] });
    deadLetter = new DeadLetter(nc, naming, 'batchtest', silent);
    await deadLetter.start([]);
  });

  afterAll(async () => {
    await deadLetter?.stop();
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await (await nc.jetstreamManager()).streams.delete(`DEADLETTER_BATCHTEST_${naming.streamSuffix}`).catch(() => undefined);
    await nc?.close();
    await db?.drop();
  });

  const event = (tenantId: string, data: Record<string, unknown> = {}) =>
    newEvent({ type: TYPE, tenantId, actor: { kind: 'system', id: null }, subjectId: randomUUID(), data });
  const publish = (e: EventEnvelope | string, msgID = typeof e === 'string' ? randomUUID() : e.id) =>
    nc.jetstream().publish(`${naming.subjectPrefix}.${TYPE}`, Buffer.from(typeof e === 'string' ? e : JSON.stringify(e)), { msgID });

  const appliedIds = async (tenantId: string): Promise<string[]> =>
    (await db.tenantDb.withTenant(tenantId, (em) => em.query(`SELECT event_id FROM applied`))).map((r: { event_id: string }) => r.event_id);

  /** Waits until the durable has nothing left to deliver and nothing unacknowledged but `stuck` messages. */
  async function settled(durable: string, stuck = 0): Promise<void> {
    const jsm = await nc.jetstreamManager();
    const deadline = Date.now() + 15_000;
    for (;;) {
      const info = await jsm.consumers.info(stream, durable);
      if (info.num_pending === 0 && info.num_ack_pending <= stuck) return;
      if (Date.now() > deadline)
        throw new Error(`consumer not settled: ${JSON.stringify({ p: info.num_pending, a: info.num_ack_pending })}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  function consumer(durable: string, calls: { tenantId: string; ids: string[] }[], committed: string[][] = []) {
    return new BatchEventConsumer<number>(nc, db.tenantDb, naming, silent, {
      stream,
      durable,
      eventTypes: [TYPE],
      batchSize: 200,
      lingerMs: 200,
      retry: { delaysMs: [100, 100] },
      handleBatch: async (events, em, tenantId) => {
        calls.push({ tenantId, ids: events.map((e) => e.id) });
        for (const e of events) {
          if ((e.data as { poison?: boolean }).poison) throw new Error('poison');
          await em.query(`INSERT INTO applied VALUES ($1, $2)`, [e.id, e.tenantId]);
        }
        return events.length;
      },
      afterCommit: (_tenantId, events) => committed.push(events.map((e) => e.id)),
    }).parkFailuresIn(deadLetter);
  }

  it('applies many events in one transaction per tenant, once each; a poison message and a non-envelope stay isolated', async () => {
    const a = Array.from({ length: 60 }, () => event(tenantA));
    const b = Array.from({ length: 40 }, () => event(tenantB));
    const poison = event(tenantA, { poison: true });
    for (let i = 0; i < 60; i++) {
      await publish(a[i]);
      if (i < 40) await publish(b[i]);
      if (i === 30) {
        await publish(poison);
        await publish('this is not an envelope');
        // The same event again under another message id: only the inbox can tell.
        await publish(a[3], `${a[3].id}-again`);
      }
    }
    const calls: { tenantId: string; ids: string[] }[] = [];
    const committed: string[][] = [];
    const c = consumer('batch_test', calls, committed);
    await c.start();
    await settled(c.durableName);
    await c.stop();

    expect((await appliedIds(tenantA)).sort()).toEqual(a.map((e) => e.id).sort());
    expect((await appliedIds(tenantB)).sort()).toEqual(b.map((e) => e.id).sort());
    // Batched: far fewer handler calls than events (the first failed batch is retried one by one).
    const batchCalls = calls.filter((call) => call.ids.length > 1);
    expect(batchCalls.length).toBeGreaterThan(0);
    expect(batchCalls.every((call) => new Set(call.ids).size === call.ids.length)).toBe(true);
    // The poison one was tried on its own for its budget (3 attempts), never committed, and parked with
    // the non-envelope: nothing is dropped.
    expect(calls.filter((call) => call.ids.length === 1 && call.ids[0] === poison.id).length).toBe(3);
    expect(committed.flat()).not.toContain(poison.id);
    const parked = await listParked(nc, naming, { service: 'batchtest' });
    expect(parked).toHaveLength(2);
    expect(parked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ consumer: 'batch_test', envelope: poison, error: 'poison', attempts: 3 }),
        expect.objectContaining({ consumer: 'batch_test', envelope: null, raw: 'this is not an envelope' }),
      ]),
    );
    // Every applied event reached afterCommit exactly once.
    expect(committed.flat().sort()).toEqual([...a, ...b].map((e) => e.id).sort());
  });

  it('a redelivered event (already in the inbox) has no second effect, and a restarted consumer resumes', async () => {
    const calls: { tenantId: string; ids: string[] }[] = [];
    const c = consumer('batch_redelivery', calls);
    const early = event(tenantB);
    // Applied before the consumer sees it (as if its ack had been lost after the commit).
    expect(await c.handleOnce(early)).toBe(true);
    await publish(early, `${early.id}-redelivered`);
    const later = event(tenantB);
    await publish(later);
    await c.start();
    await settled(c.durableName);
    await c.stop();
    const ids = await appliedIds(tenantB);
    expect(ids.filter((id) => id === early.id)).toHaveLength(1);
    expect(ids.filter((id) => id === later.id)).toHaveLength(1);
    expect(calls.flatMap((call) => call.ids).filter((id) => id === early.id)).toHaveLength(1);
    expect(await c.handleOnce(later)).toBe(false);

    // Same durable, new process: only what came after is delivered.
    const next = event(tenantB);
    await publish(next);
    const resumedCalls: { tenantId: string; ids: string[] }[] = [];
    const resumed = consumer('batch_redelivery', resumedCalls);
    await resumed.start();
    await settled(resumed.durableName);
    await resumed.stop();
    expect(resumedCalls.flatMap((call) => call.ids)).toEqual([next.id]);
  });

  const KEYED = 'testing.keyed.happened';

  it('without the inbox (inbox: false) writes no inbox rows and runs the handler again on redelivery, whose keyed writes keep one effect', async () => {
    const calls: string[][] = [];
    const committed: number[] = [];
    const c = new BatchEventConsumer<number>(nc, db.tenantDb, naming, silent, {
      stream,
      durable: 'batch_no_inbox',
      eventTypes: [KEYED],
      batchSize: 50,
      lingerMs: 50,
      inbox: false,
      handleBatch: async (events, em) => {
        calls.push(events.map((e) => e.id));
        const inserted: unknown[] = await em.query(
          `INSERT INTO applied_once SELECT e.id FROM unnest($1::uuid[]) AS e(id) ON CONFLICT DO NOTHING RETURNING event_id`,
          [events.map((e) => e.id)],
        );
        return inserted.length;
      },
      afterCommit: (_tenantId, _events, inserted) => committed.push(inserted),
    }).parkFailuresIn(deadLetter);
    const events = Array.from({ length: 30 }, () => ({ ...event(tenantA), type: KEYED }));
    const publishKeyed = (e: EventEnvelope, msgID: string) =>
      nc.jetstream().publish(`${naming.subjectPrefix}.${KEYED}`, Buffer.from(JSON.stringify(e)), { msgID });
    for (const e of events) await publishKeyed(e, e.id);
    await c.start();
    await settled(c.durableName);
    // The first one again under another message id, after it was applied, as a redelivery after a lost ack would bring it.
    await publishKeyed(events[0], `${events[0].id}-again`);
    await settled(c.durableName);
    expect(await c.handleOnce(events[1])).toBe(true);
    await c.stop();

    const applied = await db.tenantDb.system((em) => em.query(`SELECT event_id FROM applied_once`));
    expect(applied.map((r: { event_id: string }) => r.event_id).sort()).toEqual(events.map((e) => e.id).sort());
    // The handler saw the repeated event twice (and events[1] once more through handleOnce), with no second effect.
    expect(calls.flat().filter((id) => id === events[0].id)).toHaveLength(2);
    expect(calls.flat().filter((id) => id === events[1].id)).toHaveLength(2);
    expect(committed.reduce((a, b) => a + b, 0)).toBe(events.length);
    const inbox = await db.tenantDb.system((em) => em.query(`SELECT count(*)::int AS n FROM inbox WHERE consumer = 'batch_no_inbox'`));
    expect(inbox[0].n).toBe(0);
  });

  it('applies batches in stream order while reading the next, and leaves other types on the stream unread', async () => {
    // Two types: NATS 2.9 filters on their cover (testing.ordered.*), so a third type under it reaches the consumer.
    const [ORDERED, OTHER_WANTED] = ['testing.ordered.happened', 'testing.ordered.also'];
    const publishOn = (type: string, body: string) =>
      nc.jetstream().publish(`${naming.subjectPrefix}.${type}`, Buffer.from(body), { msgID: randomUUID() });
    const events = Array.from({ length: 150 }, (_, seq) => ({ ...event(tenantA, { seq }), type: ORDERED }));
    for (const [i, e] of events.entries()) {
      await publishOn(ORDERED, JSON.stringify(e));
      // Another service's events on the same stream, and a message nobody could read: not this consumer's to park.
      if (i % 10 === 0) await publishOn('testing.ordered.unrelated', JSON.stringify(event(tenantA)));
      if (i === 75) await publishOn('testing.ordered.unrelated', 'not an envelope, and not for this consumer');
    }
    const seen: number[] = [];
    const c = new BatchEventConsumer<number>(nc, db.tenantDb, naming, silent, {
      stream,
      durable: 'batch_order',
      eventTypes: [ORDERED, OTHER_WANTED],
      batchSize: 20,
      lingerMs: 50,
      handleBatch: async (batch, em) => {
        // Slow enough that the next batch is taken and read while this one is still in its transaction.
        await em.query(`SELECT pg_sleep(0.05)`);
        for (const e of batch) {
          seen.push((e.data as { seq: number }).seq);
          await em.query(`INSERT INTO applied VALUES ($1, $2)`, [e.id, e.tenantId]);
        }
        return batch.length;
      },
    }).parkFailuresIn(deadLetter);
    await c.start();
    await settled(c.durableName);
    await c.stop();
    expect(seen).toEqual(events.map((_, seq) => seq));
    const applied = new Set(await appliedIds(tenantA));
    expect(events.every((e) => applied.has(e.id))).toBe(true);
    const parked = await listParked(nc, naming, { service: 'batchtest' });
    expect(parked.filter((p) => p.consumer === 'batch_order')).toEqual([]);
  });

  it('an EventConsumer acknowledges other types on the stream unread as well', async () => {
    const publishOn = (type: string, body: string) =>
      nc.jetstream().publish(`${naming.subjectPrefix}.${type}`, Buffer.from(body), { msgID: randomUUID() });
    const SINGLE = 'testing.single.happened';
    const mine = Array.from({ length: 5 }, () => ({ ...event(tenantB), type: SINGLE }));
    for (const e of mine) {
      await publishOn(SINGLE, JSON.stringify(e));
      await publishOn('testing.unrelated', 'not an envelope, and not for this consumer');
      await publishOn('testing.unrelated', JSON.stringify(event(tenantB)));
    }
    const handled: string[] = [];
    const single = new EventConsumer(nc, db.tenantDb, naming, silent, {
      stream,
      durable: 'single_skips',
      eventTypes: [SINGLE, 'testing.single.also'],
      handler: async (e) => {
        handled.push(e.id);
      },
    }).parkFailuresIn(deadLetter);
    await single.start();
    await settled(single.durableName);
    await single.stop();
    expect(handled).toEqual(mine.map((e) => e.id));
    const parked = await listParked(nc, naming, { service: 'batchtest' });
    expect(parked.filter((p) => p.consumer === 'single_skips')).toEqual([]);
  });

  it('takes over a durable an EventConsumer created, raising its ack-pending limit', async () => {
    const old = new EventConsumer(nc, db.tenantDb, naming, silent, {
      stream,
      durable: 'batch_upgrade',
      eventTypes: [TYPE],
      handler: async () => undefined,
    });
    await old.start();
    await old.stop();
    const c = consumer('batch_upgrade', []);
    await c.start();
    await c.stop();
    const info = await (await nc.jetstreamManager()).consumers.info(stream, c.durableName);
    expect(info.config.max_ack_pending).toBe(800);
  });

  it('is handed only what the cover of its types matches, also on a durable created unfiltered before', async () => {
    const publishOn = (type: string, e: EventEnvelope) =>
      nc.jetstream().publish(`${naming.subjectPrefix}.${type}`, Buffer.from(JSON.stringify(e)), { msgID: randomUUID() });
    const jsm = await nc.jetstreamManager();
    const durable = `cover_${naming.streamSuffix}`;
    // As an earlier version left it: several types, so no filter at all; it has taken everything on the stream so far.
    await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
    const early = Array.from({ length: 5 }, () => ({ ...event(tenantA), type: 'testing.cover.one' }));
    for (const e of early) await publishOn(e.type, e);
    const before = await jsm.consumers.info(stream, durable);
    const taken = await (await nc.jetstream().consumers.get(stream, durable)).fetch({ max_messages: before.num_pending, expires: 5_000 });
    for await (const m of taken) m.ack();
    await settled(durable);
    const wanted: string[] = [];
    for (let i = 0; i < 30; i++) {
      const e = { ...event(tenantA), type: i % 2 ? 'testing.cover.one' : 'testing.cover.two' };
      wanted.push(e.id);
      await publishOn(e.type, e);
      // A busy neighbour on the same stream, and a type under the cover this consumer does not take.
      for (let n = 0; n < 3; n++) await publishOn('testing.neighbour.happened', event(tenantA));
      if (i % 10 === 0) await publishOn('testing.cover.three', { ...event(tenantA), type: 'testing.cover.three' });
    }
    const handled: string[] = [];
    const c = new BatchEventConsumer(nc, db.tenantDb, naming, silent, {
      stream,
      durable: 'cover',
      eventTypes: ['testing.cover.one', 'testing.cover.two'],
      handleBatch: async (events) => {
        handled.push(...events.map((e) => e.id));
      },
    }).parkFailuresIn(deadLetter);
    await c.start();

    await settled(c.durableName);
    await c.stop();
    // Replaced (NATS 2.9 skips messages when a filter is updated in place) after what the old one acknowledged.
    expect(handled).toEqual(wanted);
    const info = await jsm.consumers.info(stream, c.durableName);
    expect(info.config.filter_subject).toBe(`${naming.subjectPrefix}.testing.cover.*`);
    // The 30 wanted and the 3 under the cover; none of the neighbour's 90.
    expect(info.delivered.consumer_seq).toBe(33);
  });
});
