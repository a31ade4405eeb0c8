import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@rapport/contracts';
import {
  createMessagingTables,
  DeadLetter,
  discardParked,
  ensureStream,
  EventConsumer,
  listParked,
  newEvent,
  replayAllParked,
  replayParked,
  type ParkedEvent,
} from '@rapport/messaging';
import { scratchDatabase } from '@rapport/testing';
import { AckPolicy, connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import type { MigrationInterface, QueryRunner } from 'typeorm';

class Tables1700000000002 implements MigrationInterface {
  name = 'Tables1700000000002';
  async up(q: QueryRunner) {
    await createMessagingTables(q);
    await q.query(`CREATE TABLE applied (event_id uuid NOT NULL, tenant_id uuid NOT NULL)`);
    await q.query(`ALTER TABLE applied ENABLE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY t ON applied USING (tenant_id = NULLIF(current_setting('rapport.tenant_id', true), '')::uuid)`);
  }
  async down() {
    /* throwaway schema: dropped whole */
  }
}

const silent = { error: () => undefined, debug: () => undefined, info: () => undefined };
const TYPE = 'testing.parcel.arrived';
const SERVICE = 'dltest';
/** Three attempts 200 ms apart: the same path as the hour-long default, in under a second. */
const RETRY = { delaysMs: [200, 200] };

describe('dead letter: a handler failing past its retry budget parks the event, and replay applies it once', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let nc: NatsConnection;
  const token = randomUUID().slice(0, 8);
  const naming = {
    subjectPrefix: `${process.env.NATS_SUBJECT_PREFIX}${token}`,
    streamSuffix: `${token}_${process.env.NATS_STREAM_SUFFIX}`,
  };
  let stream: string;
  const tenantId = randomUUID();
  const registry = new Registry();
  let deadLetter: DeadLetter;
  let consumer: EventConsumer;
  /** While true the handler throws, as it would with its database down. */
  let broken = true;
  const attempts = new Map<string, number>();

  beforeAll(async () => {
    db = await scratchDatabase('deadletter', [Tables1700000000002]);
    nc = await connect({ servers: process.env.NATS_URL });
    stream = await ensureStream(nc, naming, { name: 'TESTDL', subjects: ['testing.>'] });
    deadLetter = new DeadLetter(nc, naming, SERVICE, silent, registry);
    consumer = new EventConsumer(nc, db.tenantDb, naming, silent, {
      stream,
      durable: 'dl_parcels',
      eventTypes: [TYPE],
      retry: RETRY,
      handler: async (event, em) => {
        attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
        if (broken) throw new Error('connection to the parcel database refused');
        await em.query(`INSERT INTO applied VALUES ($1, $2)`, [event.id, event.tenantId]);
      },
    }).parkFailuresIn(deadLetter);
    await deadLetter.start([consumer]);
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
    await deadLetter?.stop();
    const jsm = await nc.jetstreamManager();
    for (const name of [stream, `DEADLETTER_${SERVICE.toUpperCase()}_${naming.streamSuffix}`])
      await jsm.streams.delete(name).catch(() => undefined);
    await nc?.close();
    await db?.drop();
  });

  const event = () => newEvent({ type: TYPE, tenantId, actor: { kind: 'system', id: null }, subjectId: randomUUID(), data: {} });
  const publish = (e: EventEnvelope) =>
    nc.jetstream().publish(`${naming.subjectPrefix}.${TYPE}`, Buffer.from(JSON.stringify(e)), { msgID: e.id });
  const appliedCount = async (id: string): Promise<number> =>
    (await db.tenantDb.withTenant(tenantId, (em) => em.query(`SELECT 1 FROM applied WHERE event_id = $1`, [id]))).length;

  async function parkedOf(id: string, timeoutMs = 15_000): Promise<ParkedEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await listParked(nc, naming, { service: SERVICE })).find((p) => p.envelope?.id === id);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`event ${id} was not parked within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const found = (await registry.getSingleMetric(name)?.get())?.values.find((v) =>
      Object.entries(labels).every(([k, value]) => v.labels[k] === value),
    );
    return found?.value ?? 0;
  }

  it('parks after the budget with its error, counts it, and leaves nothing pending on the source stream', async () => {
    const e = event();
    await publish(e);
    const parked = await parkedOf(e.id);

    expect(parked).toMatchObject({
      service: SERVICE,
      consumer: 'dl_parcels',
      stream,
      subject: `${naming.subjectPrefix}.${TYPE}`,
      attempts: 3,
      error: 'connection to the parcel database refused',
      raw: null,
    });
    expect(parked.envelope).toEqual(e);
    expect(parked.id).toMatch(new RegExp(`^${SERVICE}:\\d+$`));
    expect(attempts.get(e.id)).toBe(3);
    // Terminated only after parking: the source consumer has nothing left to deliver or retry.
    const info = await (await nc.jetstreamManager()).consumers.info(stream, consumer.durableName);
    expect(info.num_pending + info.num_ack_pending).toBe(0);
    expect(info.config.max_deliver).toBe(-1);
    expect(await metric('rapport_events_parked_total', { consumer: 'dl_parcels', type: TYPE })).toBe(1);
    expect(await metric('rapport_events_parked', { consumer: 'dl_parcels' })).toBe(1);
    expect(await appliedCount(e.id)).toBe(0);
  });

  it('replay, once the handler works again, applies it exactly once however often it is asked', async () => {
    const [parked] = await listParked(nc, naming, { service: SERVICE });
    broken = false;
    const [first, concurrent] = await Promise.all([replayParked(nc, naming, parked.id), replayParked(nc, naming, parked.id)]);
    expect([first.outcome, concurrent.outcome]).toEqual(['applied', 'gone']);
    expect(await replayParked(nc, naming, parked.id)).toEqual({ id: parked.id, outcome: 'gone' });
    expect(await appliedCount(parked.envelope!.id)).toBe(1);
    expect(await listParked(nc, naming, { service: SERVICE })).toEqual([]);
    expect(await metric('rapport_events_parked', { consumer: 'dl_parcels' })).toBe(0);
    expect(await metric('rapport_events_replayed_total', { consumer: 'dl_parcels', outcome: 'applied' })).toBe(1);
  });

  it('replay of an event the consumer has applied meanwhile removes it without a second effect', async () => {
    broken = true;
    const e = event();
    await publish(e);
    const parked = await parkedOf(e.id);
    broken = false;
    expect(await consumer.handleOnce(e)).toBe(true);
    expect((await replayAllParked(nc, naming, { service: SERVICE })).map((r) => r.outcome)).toEqual(['already-applied']);
    expect(await appliedCount(e.id)).toBe(1);
    expect(await replayParked(nc, naming, parked.id)).toMatchObject({ outcome: 'gone' });
  });

  it('a replay that fails again keeps the event parked and says why', async () => {
    broken = true;
    const e = event();
    await publish(e);
    const parked = await parkedOf(e.id);
    expect(await replayParked(nc, naming, parked.id)).toEqual({
      id: parked.id,
      outcome: 'failed',
      error: 'connection to the parcel database refused',
    });
    expect((await listParked(nc, naming, { service: SERVICE })).map((p) => p.id)).toEqual([parked.id]);
  });

  it('discard removes a parked event for good', async () => {
    const [parked] = await listParked(nc, naming, { service: SERVICE });
    expect((await discardParked(nc, naming, parked.id))?.envelope?.id).toBe(parked.envelope!.id);
    expect(await discardParked(nc, naming, parked.id)).toBeNull();
    expect(await listParked(nc, naming, { service: SERVICE })).toEqual([]);
    broken = false;
    expect(await replayParked(nc, naming, parked.id)).toMatchObject({ outcome: 'gone' });
    expect(await appliedCount(parked.envelope!.id)).toBe(0);
  });

  it('an event whose handler never concluded twice past the budget (it kills the process) is parked without running it', async () => {
    const crashType = 'testing.parcel.crashed';
    const crashing = new EventConsumer(nc, db.tenantDb, naming, silent, {
      stream,
      durable: 'dl_crashing',
      eventTypes: [crashType],
      retry: RETRY,
      handler: async (e) => {
        attempts.set(e.id, (attempts.get(e.id) ?? 0) + 1);
      },
    }).parkFailuresIn(deadLetter);
    // Five deliveries that never concluded, as if the process died in the handler each time.
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(stream, {
      durable_name: crashing.durableName,
      ack_policy: AckPolicy.Explicit,
      filter_subject: `${naming.subjectPrefix}.${crashType}`,
    });
    const e = { ...event(), type: crashType };
    await nc.jetstream().publish(`${naming.subjectPrefix}.${crashType}`, Buffer.from(JSON.stringify(e)), { msgID: e.id });
    const raw = await nc.jetstream().consumers.get(stream, crashing.durableName);
    for (let delivery = 1; delivery <= 5; delivery++) {
      const msg = await raw.next({ expires: 5000 });
      expect(msg?.info.redeliveryCount).toBe(delivery);
      msg?.nak();
    }
    await crashing.start();
    try {
      const parked = await parkedOf(e.id);
      expect(parked).toMatchObject({
        consumer: 'dl_crashing',
        attempts: 6,
        error: expect.stringMatching(/without the handler concluding/),
      });
      expect(attempts.get(e.id)).toBeUndefined();
      await discardParked(nc, naming, parked.id);
    } finally {
      await crashing.stop();
    }
  });

  it('a message that is not an envelope is parked at once as text; replay refuses it', async () => {
    await nc.jetstream().publish(`${naming.subjectPrefix}.${TYPE}`, Buffer.from('{"oops":'), { msgID: randomUUID() });
    const deadline = Date.now() + 10_000;
    let parked: ParkedEvent[] = [];
    while (parked.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      parked = await listParked(nc, naming, { service: SERVICE });
    }
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ envelope: null, raw: '{"oops":', attempts: 1 });
    expect(await replayParked(nc, naming, parked[0].id)).toMatchObject({ outcome: 'refused' });
    expect(await listParked(nc, naming)).toHaveLength(1);
  });
});
