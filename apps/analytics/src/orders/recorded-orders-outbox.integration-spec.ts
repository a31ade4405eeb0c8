import { randomUUID } from 'node:crypto';
import { ORDER_RECORDED, type EventActor, type EventEnvelope, type OrderRecordedDataV1 } from '@rapport/contracts';
import { OUTBOX_PACK, outboxEnvelopes, STORED_TRACE_KEY } from '@rapport/messaging';
import { moneyView } from '@rapport/money';
import { scratchDatabase, seededRandom } from '@rapport/testing';
import { analyticsDefinition } from '../analytics.definition';
import { ANALYTICS_SERVICE_OUTBOX_EXPANDERS } from '../messaging/outbox-expanders';
import { inRounds, planBatch, type IngestResult } from './order-batch';
import type { OrderInput } from './order-input';
import { OrderIngest } from './order-ingest';
import { expandRecordedOrders, RECORDED_ORDERS_OUTBOX_TYPE } from './recorded-orders-outbox';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DAY = 86_400_000;

/**
 * ADR 075: the order ingest records its `analytics.order.recorded` events in
 * the upsert's own statement, as compact outbox rows the relay expands
 * (expandRecordedOrders). The expanded rows must be exactly the events
 * OrderIngest built in Node before (one per created or changed order, in
 * the batch's order, with the sender's validated fields, analytics' id and
 * the resolved contact), ids and instants apart — for a stream batch that
 * ingests round after round in one transaction (orders, then some of them
 * again, changed or unchanged), so the rounds' events must also come out in
 * order: an order's UPDATED after its CREATED.
 */
describe('order ingest: analytics.order.recorded recorded in SQL, expanded, equal those built in Node', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  const tenantId = randomUUID();
  const random = seededRandom(75);
  const actor: EventActor = { kind: 'user', id: randomUUID() };
  const known = Array.from({ length: 20 }, (_, i) => ({ key: `K${i}`, contactId: randomUUID() }));

  /** Random orders: every kind of customer reference, currencies with 0 and 2 minor digits, refunds, channels or none. */
  function order(i: number): OrderInput {
    const roll = random();
    const currency = random() < 0.1 ? 'JPY' : 'EUR';
    const status = roll < 0.1 ? 'REFUNDED' : roll < 0.15 ? 'CANCELLED' : 'PLACED';
    const value = (1 + random() * 400).toFixed(currency === 'JPY' ? 0 : random() < 0.5 ? 2 : 1);
    const who = random();
    return {
      source: random() < 0.5 ? 'Shop' : 'pos',
      externalOrderId: `O-${i}`,
      ...(who < 0.3
        ? { externalCustomer: { source: 'crm', key: known[Math.floor(random() * known.length)].key } }
        : who < 0.5
          ? { externalCustomer: { source: 'crm', key: `unknown-${i}` } }
          : who < 0.7
            ? { contactId: randomUUID() }
            : {}),
      occurredAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 300 * DAY)).toISOString(),
      amount: status === 'REFUNDED' ? `-${value}` : value,
      currency,
      channel: random() < 0.3 ? null : random() < 0.5 ? 'web' : 'store',
      status,
    };
  }

  /** What OrderIngest announced before ADR 075: one event per created or changed order, built in Node from the validated order. */
  function nodeEvents(round: readonly OrderInput[], results: readonly IngestResult[]): Omit<EventEnvelope, 'id' | 'occurredAt'>[] {
    const { valid } = planBatch(() => 'data.order', round);
    return valid.flatMap(({ index, order: o }) => {
      const r = results[index];
      if (r.outcome !== 'CREATED' && r.outcome !== 'UPDATED') return [];
      const data: OrderRecordedDataV1 = {
        orderId: r.orderId as string,
        source: o.source,
        externalOrderId: o.externalOrderId,
        contactId: r.contactId,
        occurredAt: o.occurredAt.toISOString(),
        amount: moneyView(o.amount, o.currency).amount,
        currency: o.currency,
        status: o.status,
        channel: o.channel,
        change: r.outcome,
        guest: 'guest' in o.customer,
      };
      return [{ type: ORDER_RECORDED, version: 1, tenantId, actor, subjectId: r.orderId as string, data }];
    });
  }

  beforeAll(async () => {
    db = await scratchDatabase('ordrec', analyticsDefinition.migrations);
    await db.dataSource.query(
      `INSERT INTO contact_external_ids (tenant_id, source, key, contact_id) SELECT $1, 'crm', k.key, k.contact FROM unnest($2::text[], $3::uuid[]) AS k(key, contact)`,
      [tenantId, known.map((k) => k.key), known.map((k) => k.contactId)],
    );
  });
  afterAll(() => db?.drop());

  it('a stream batch of rounds: created, changed, unchanged and new orders announced as before, in order', async () => {
    const first = Array.from({ length: 2_300 }, (_, i) => order(i));
    // Later in the same batch: a tenth of them re-sent cancelled and a tenth re-sent as they were (the second round),
    // between new orders (the first round).
    const again = first.filter(() => random() < 0.2).map((o, i) => (i % 2 === 0 ? { ...o, status: 'CANCELLED' as const } : o));
    const fresh = Array.from({ length: 150 }, (_, i) => order(10_000 + i));
    const stream = [...first, ...again.slice(0, 200), ...fresh, ...again.slice(200)].map((input) => ({ input }));
    const rounds = inRounds(stream).map((r) => r.map((s) => s.input));
    expect(rounds).toHaveLength(2);

    const ingest = new OrderIngest();
    const expected = await db.tenantDb.withTenant(tenantId, async (em) => {
      const events: Omit<EventEnvelope, 'id' | 'occurredAt'>[] = [];
      for (const round of rounds) {
        const results = await ingest.ingest(em, tenantId, round, { fieldAt: () => 'data.order', actor });
        events.push(...nodeEvents(round, results));
      }
      return events;
    });
    const outcomes = expected.map((e) => (e.data as OrderRecordedDataV1).change);
    expect(outcomes.filter((c) => c === 'UPDATED').length).toBeGreaterThan(100);
    expect(expected.length).toBeLessThan(stream.length);

    const rows: { id: string; type: string; envelope: { orders: unknown[] } }[] = await db.dataSource.query(
      `SELECT id, type, envelope FROM outbox WHERE tenant_id = $1 ORDER BY created_at, id`,
      [tenantId],
    );
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set([RECORDED_ORDERS_OUTBOX_TYPE]));
    const published = await outboxEnvelopes(db.dataSource, tenantId, ANALYTICS_SERVICE_OUTBOX_EXPANDERS);
    const withoutIdentity = published.map(({ id: _id, occurredAt: _at, ...rest }) => rest);
    const differing = withoutIdentity.flatMap((e, i) => (JSON.stringify(e) === JSON.stringify(expected[i]) ? [] : [i]));
    expect({ count: differing.length, first: withoutIdentity[differing[0]], expected: expected[differing[0]] }).toEqual({
      count: 0,
      first: undefined,
      expected: undefined,
    });
    expect(withoutIdentity).toEqual(expected);

    // What only the compact rows make: ids (UUID v7, unique, derived from their row's, the same on every expansion), one instant per row.
    expect(new Set(published.map((e) => e.id)).size).toBe(published.length);
    let at = 0;
    for (const row of rows) {
      expect(row.id).toMatch(UUID_V7);
      expect(row.envelope.orders.length).toBeLessThanOrEqual(OUTBOX_PACK);
      expect(expandRecordedOrders(row)).toEqual(expandRecordedOrders(row));
      for (const e of published.slice(at, at + row.envelope.orders.length)) {
        expect(e.id).toMatch(UUID_V7);
        expect(e.id.slice(0, 28)).toBe(row.id.slice(0, 28));
        expect(new Date(e.occurredAt).toISOString()).toBe(e.occurredAt);
      }
      at += row.envelope.orders.length;
    }
    expect(at).toBe(published.length);
  });

  it('carries the writer trace context to every event of a row', () => {
    const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    const orderId = randomUUID();
    const [event] = expandRecordedOrders({
      id: '01930000-0000-7000-8000-000000000000',
      envelope: {
        tenantId,
        occurredAt: '2026-01-01T00:00:00.000Z',
        actor,
        trace,
        orders: [[orderId, 'shop', 'O-1', null, Date.UTC(2026, 0, 1), '12.5000', 'EUR', 'PLACED', null, true, true]],
      },
    });
    expect(event).toEqual({
      id: '01930000-0000-7000-8000-000000000000',
      type: ORDER_RECORDED,
      version: 1,
      tenantId,
      occurredAt: '2026-01-01T00:00:00.000Z',
      actor,
      subjectId: orderId,
      data: {
        orderId,
        source: 'shop',
        externalOrderId: 'O-1',
        contactId: null,
        occurredAt: '2026-01-01T00:00:00.000Z',
        amount: '12.50',
        currency: 'EUR',
        status: 'PLACED',
        channel: null,
        change: 'CREATED',
        guest: true,
      },
      [STORED_TRACE_KEY]: trace,
    });
  });
});
