import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@rapport/contracts';
import { scratchDatabase, StreamProbe } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  appendPackedToOutbox,
  appendToOutbox,
  createMessagingTables,
  ensureStream,
  EventConsumer,
  newEvent,
  OUTBOX_EVENTS,
  OUTBOX_PACK,
  OutboxRelay,
  PACKED_OUTBOX_TYPE,
} from '@rapport/messaging';

class Tables1700000000000 implements MigrationInterface {
  name = 'Tables1700000000000';
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

const silent = { error: () => undefined, debug: () => undefined };

describe('outbox relay and inbox consumer against Postgres and JetStream', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  let nc: NatsConnection;
  let probe: StreamProbe;
  const token = randomUUID().slice(0, 8);
  const naming = {
    subjectPrefix: `${process.env.NATS_SUBJECT_PREFIX}${token}`,
    streamSuffix: `${token}_${process.env.NATS_STREAM_SUFFIX}`,
  };
  let stream: string;
  const tenantId = randomUUID();

  beforeAll(async () => {
    db = await scratchDatabase('outbox', [Tables1700000000000]);
    nc = await connect({ servers: process.env.NATS_URL });
    stream = await ensureStream(nc, naming, { name: 'TESTING', subjects: ['testing.>'] });
    probe = await StreamProbe.connect();
  });

  afterAll(async () => {
    await probe?.close();
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await db?.drop();
  });

  const event = () =>
    newEvent({ type: 'testing.thing.happened', tenantId, actor: { kind: 'system', id: null }, subjectId: randomUUID(), data: { n: 1 } });

  it('publishes on restart what was committed while no relay ran (crash after commit, before publish)', async () => {
    const e = event();
    await db.tenantDb.withTenant(tenantId, (em) => appendToOutbox(em, e));
    // "Restart": a fresh relay finds the unpublished row.
    const relay = new OutboxRelay(db.dataSource, nc, naming, silent);
    expect(await relay.drain()).toBe(1);
    const onStream = await probe.events(stream, `${naming.subjectPrefix}.testing.>`);
    expect(onStream.filter((x) => x.id === e.id)).toHaveLength(1);
    const [row] = await db.dataSource.query(`SELECT published_at FROM outbox WHERE id = $1`, [e.id]);
    expect(row.published_at).not.toBeNull();
  });

  it('rolls back the event with the change', async () => {
    const e = event();
    await expect(
      db.tenantDb.withTenant(tenantId, async (em) => {
        await appendToOutbox(em, e);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const rows = await db.dataSource.query(`SELECT 1 FROM outbox WHERE id = $1`, [e.id]);
    expect(rows).toHaveLength(0);
  });

  it('a consumer that receives an event twice applies it once', async () => {
    const applied: string[] = [];
    const consumer = new EventConsumer(nc, db.tenantDb, naming, silent, {
      stream,
      durable: 'inbox_test',
      eventTypes: ['testing.>'],
      handler: async (ev: EventEnvelope, em) => {
        applied.push(ev.id);
        await em.query(`INSERT INTO applied VALUES ($1, $2)`, [ev.id, ev.tenantId]);
      },
    });
    const e = event();
    // Sent twice with different message ids, so JetStream's duplicate window cannot help: only the inbox can.
    const js = nc.jetstream();
    const payload = Buffer.from(JSON.stringify(e));
    await js.publish(`${naming.subjectPrefix}.testing.thing.happened`, payload, { msgID: `${e.id}-a` });
    await js.publish(`${naming.subjectPrefix}.testing.thing.happened`, payload, { msgID: `${e.id}-b` });
    await consumer.start();
    const deadline = Date.now() + 10_000;
    let info = await (await nc.jetstreamManager()).consumers.info(stream, consumer.durableName);
    while ((info.num_pending > 0 || info.num_ack_pending > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      info = await (await nc.jetstreamManager()).consumers.info(stream, consumer.durableName);
    }
    await consumer.stop();
    expect(applied.filter((id) => id === e.id)).toHaveLength(1);
    const rows = await db.tenantDb.withTenant(tenantId, (em) => em.query(`SELECT event_id FROM applied WHERE event_id = $1`, [e.id]));
    expect(rows).toHaveLength(1);
    expect(await consumer.handleOnce(e)).toBe(false);
  });

  it('publishes packed rows as one message per envelope, in order, each with its own message id', async () => {
    const before = event();
    const packed = Array.from({ length: 2 * OUTBOX_PACK + 7 }, () => event());
    const after = event();
    await db.tenantDb.withTenant(tenantId, async (em) => {
      await appendToOutbox(em, before);
      await appendPackedToOutbox(em, packed);
      await appendToOutbox(em, after);
    });
    const rows: { type: string; n: number }[] = await db.dataSource.query(
      `SELECT type, jsonb_array_length(envelope) AS n FROM outbox WHERE type = $1 AND envelope->0->>'tenantId' = $2 ORDER BY created_at, id`,
      [PACKED_OUTBOX_TYPE, tenantId],
    );
    expect(rows.map((r) => r.n)).toEqual([OUTBOX_PACK, OUTBOX_PACK, 7]);
    // Unpacked, the outbox reads as the events themselves, in order.
    const listed: { id: string }[] = await db.dataSource.query(
      `SELECT id FROM ${OUTBOX_EVENTS} WHERE tenant_id = $1 ORDER BY created_at, id`,
      [tenantId],
    );
    const ids = [before, ...packed, after].map((e) => e.id);
    expect(listed.map((r) => r.id).filter((id) => ids.includes(id))).toEqual(ids);

    const relay = new OutboxRelay(db.dataSource, nc, naming, silent);
    expect(await relay.drain()).toBe(ids.length);
    const onStream = (await probe.events(stream, `${naming.subjectPrefix}.testing.>`)).map((x) => x.id).filter((id) => ids.includes(id));
    expect(onStream).toEqual(ids);
    const [{ unpublished }] = await db.dataSource.query(
      `SELECT count(*)::int AS unpublished FROM ${OUTBOX_EVENTS} WHERE tenant_id = $1 AND published_at IS NULL`,
      [tenantId],
    );
    expect(unpublished).toBe(0);
  });

  it('a pack that fails half-way is sent again whole, and the stream keeps each event once', async () => {
    const packed = Array.from({ length: 50 }, () => event());
    await db.tenantDb.withTenant(tenantId, (em) => appendPackedToOutbox(em, packed));
    // The 30th publish fails: the first 29 reached the stream, the row stays unpublished (the crash suite's case, in-process).
    let calls = 0;
    const failing = new OutboxRelay(db.dataSource, nc, naming, silent, {
      beforePublish: async (e) => {
        if (++calls === 30) throw new Error('connection lost');
        return e;
      },
    });
    await expect(failing.drain()).rejects.toThrow('connection lost');
    const [row] = await db.dataSource.query(`SELECT published_at FROM outbox WHERE id = $1`, [packed[0].id]);
    expect(row.published_at).toBeNull();
    expect(await new OutboxRelay(db.dataSource, nc, naming, silent).drain()).toBe(packed.length);
    const ids = new Set(packed.map((e) => e.id));
    const onStream = (await probe.events(stream, `${naming.subjectPrefix}.testing.>`)).map((x) => x.id).filter((id) => ids.has(id));
    // Each once (a retried batch's order is that of the retry, for packs as for single rows).
    expect([...onStream].sort()).toEqual(packed.map((e) => e.id).sort());
  });
});
