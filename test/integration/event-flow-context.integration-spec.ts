import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@rapport/contracts';
import { logContext } from '@rapport/observability';
import { scratchDatabase } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  appendToOutbox,
  BatchEventConsumer,
  createMessagingTables,
  ensureStream,
  EventConsumer,
  eventFlowCounters,
  newEvent,
  OutboxRelay,
} from '@rapport/messaging';

class Tables1700000000000 implements MigrationInterface {
  name = 'Tables1700000000000';
  async up(q: QueryRunner) {
    await createMessagingTables(q);
  }
  async down() {
    /* throwaway schema: dropped whole */
  }
}

const silent = { error: () => undefined, debug: () => undefined };

/**
 * What travels with an event besides its envelope: the request id of the
 * change that wrote it reaches the consumers that apply it, and whatever they
 * publish in turn; and every step is counted in the process's metrics.
 */
describe('request ids and flow counters along outbox → stream → consumer → outbox', () => {
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
  const counters = eventFlowCounters(registry);
  let relay: OutboxRelay;

  beforeAll(async () => {
    db = await scratchDatabase('flowctx', [Tables1700000000000]);
    nc = await connect({ servers: process.env.NATS_URL });
    stream = await ensureStream(nc, naming, { name: 'FLOWCTX', subjects: ['flowctx.>'] });
    relay = new OutboxRelay(db.dataSource, nc, naming, silent, { counters });
  });

  afterAll(async () => {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await db?.drop();
  });

  const event = (type: string, data: object = {}) =>
    newEvent({ type, tenantId, actor: { kind: 'system', id: null }, subjectId: randomUUID(), data });

  async function settle(consumer: EventConsumer): Promise<void> {
    const jsm = await nc.jetstreamManager();
    const deadline = Date.now() + 15_000;
    for (;;) {
      await relay.drain();
      const info = await jsm.consumers.info(stream, consumer.durableName);
      if ((info.num_pending === 0 && info.num_ack_pending === 0) || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function counted(name: string, labels: Record<string, string>): Promise<number> {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
    const values = (metric?.values ?? []) as { labels: Record<string, string>; value: number }[];
    return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
  }

  it('a consumer handles an event under the writer’s request id, and what it publishes carries it on', async () => {
    const seen: { type: string; requestId: string | undefined }[] = [];
    const consumer = new EventConsumer(nc, db.tenantDb, naming, silent, {
      stream,
      durable: 'flowctx_chain',
      eventTypes: ['flowctx.>'],
      handler: async (ev: EventEnvelope, em) => {
        seen.push({ type: ev.type, requestId: logContext.getStore()?.requestId });
        if (ev.type === 'flowctx.order.placed') await appendToOutbox(em, event('flowctx.invoice.raised'));
      },
    }).countIn(counters);
    await consumer.start();
    const requestId = `req-${randomUUID()}`;
    await logContext.run({ requestId }, () => db.tenantDb.withTenant(tenantId, (em) => appendToOutbox(em, event('flowctx.order.placed'))));
    // Written outside any request: no id is invented for it.
    await db.tenantDb.withTenant(tenantId, (em) => appendToOutbox(em, event('flowctx.note.added')));
    await settle(consumer);
    await settle(consumer);
    await consumer.stop();

    expect(seen).toHaveLength(3);
    const byType = Object.fromEntries(seen.map((s) => [s.type, s.requestId]));
    expect(byType).toEqual({ 'flowctx.order.placed': requestId, 'flowctx.invoice.raised': requestId, 'flowctx.note.added': undefined });

    expect(await counted('rapport_events_published_total', { type: 'flowctx.order.placed' })).toBe(1);
    expect(await counted('rapport_events_published_total', { type: 'flowctx.invoice.raised' })).toBe(1);
    expect(await counted('rapport_events_consumed_total', { consumer: 'flowctx_chain', outcome: 'applied' })).toBe(3);
    // A redelivered event is skipped by the inbox, and counted as such.
    await consumer.handleOnce(event('flowctx.note.added'));
    const again = event('flowctx.note.added');
    await consumer.handleOnce(again);
    await consumer.handleOnce(again);
    expect(await counted('rapport_events_consumed_total', { consumer: 'flowctx_chain', outcome: 'duplicate' })).toBe(1);
  });

  it('a batch consumer counts applied and duplicate deliveries per event type, and failures', async () => {
    let fail = true;
    const consumer = new BatchEventConsumer(nc, db.tenantDb, naming, silent, {
      stream,
      durable: 'flowctx_batch',
      eventTypes: ['flowctx.batch.>'],
      handleBatch: async (events) => {
        if (fail && events.some((e) => (e.data as { poison?: boolean }).poison)) throw new Error('poison');
      },
      batchSize: 10,
    })
      .countIn(counters)
      .retryByDefault({ delaysMs: [200] });
    const events = Array.from({ length: 5 }, () => event('flowctx.batch.item'));
    const poison = event('flowctx.batch.item', { poison: true });
    await db.tenantDb.withTenant(tenantId, async (em) => {
      for (const e of [...events, poison]) await appendToOutbox(em, e);
    });
    await relay.drain();
    await consumer.start();
    const deadline = Date.now() + 15_000;
    while (
      (await counted('rapport_events_consumed_total', { consumer: 'flowctx_batch', outcome: 'failed' })) < 1 &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    fail = false;
    await settle(consumer);
    await consumer.stop();
    expect(
      await counted('rapport_events_consumed_total', { consumer: 'flowctx_batch', type: 'flowctx.batch.item', outcome: 'applied' }),
    ).toBe(6);
    expect(await counted('rapport_events_consumed_total', { consumer: 'flowctx_batch', outcome: 'failed' })).toBeGreaterThanOrEqual(1);
    await consumer.handleOnce(events[0]);
    expect(await counted('rapport_events_consumed_total', { consumer: 'flowctx_batch', outcome: 'duplicate' })).toBe(1);
  });
});
