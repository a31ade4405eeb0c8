import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@rapport/contracts';
import { scratchDatabase, StreamProbe } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { appendToOutbox, createMessagingTables, ensureStream, EventConsumer, newEvent, OutboxRelay } from '@rapport/messaging';

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
});
