import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import {
  CONTACT_CREATED,
  CONTACT_MERGED,
  CONTACT_UPDATED,
  ORDER_PLACED,
  SYSTEM_ACTOR,
  type ContactSnapshotV1,
  type OrderV1,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService, eventuallyWithin } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import type { OrderInput } from '../orders/order-input';
import { OrdersService } from '../orders/orders.service';

/** The analytics service on its own, fed the way production feeds it: sales events and partner orders on NATS. */
describe('analytics: orders ingest, contact projection, merges', () => {
  let analytics: StartedService;
  let nc: NatsConnection;
  let ds: DataSource;
  let orders: OrdersService;
  const tenantId = randomUUID();
  const prefix = process.env.NATS_SUBJECT_PREFIX;
  const as = (roles: Principal['roles'], kind: Principal['kind'] = 'user', scopes: string[] = []): Principal => ({
    kind,
    tenantId,
    id: randomUUID(),
    roles,
    scopes,
    contactId: null,
  });
  const admin = as(['admin']);

  beforeAll(async () => {
    analytics = await startService(AnalyticsAppModule, analyticsDefinition);
    nc = await connect({ servers: process.env.NATS_URL });
    ds = analytics.app.get(DataSource);
    orders = analytics.app.get(OrdersService);
  });

  afterAll(async () => {
    await nc?.close();
    await analytics?.close();
  });

  const yesterday = new Date(Date.now() - 86_400_000);
  const order = (externalOrderId: string, extra: Partial<OrderInput> = {}): OrderInput => ({
    source: 'shop',
    externalOrderId,
    externalCustomer: { source: 'shop', key: 'K-default' },
    occurredAt: yesterday,
    amount: '10.00',
    currency: 'EUR',
    ...extra,
  });

  /** Owner connection (bypasses RLS) for assertions only; always filtered by tenant. */
  const rows = (sql: string, params: unknown[] = []) => ds.query(sql, [tenantId, ...params]);
  const orderRow = async (externalOrderId: string) =>
    (
      await rows(
        `SELECT contact_id, amount::text, status FROM orders WHERE tenant_id = $1 AND source = 'shop' AND external_order_id = $2`,
        [externalOrderId],
      )
    )[0];

  const eventually = eventuallyWithin({ timeoutMs: 8000 });

  async function publish(type: string, subjectId: string, data: unknown): Promise<void> {
    const event = newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId, data });
    await nc.jetstream().publish(`${prefix}.${type}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
  }

  const contactCreated = (id: string, externalIds: { source: string; key: string }[]) => {
    const now = new Date().toISOString();
    const contact: ContactSnapshotV1 = {
      id,
      accountId: null,
      ownerId: null,
      firstName: null,
      lastName: 'Test',
      emails: [],
      phones: [],
      externalIds,
      createdAt: now,
      updatedAt: now,
    };
    return publish(CONTACT_CREATED, id, { contact });
  };

  it('is idempotent by (source, external order id): same order twice is one row, a changed amount updates it', async () => {
    const first = await orders.record(admin, { orders: [order('IDEM-1')] });
    expect(first).toMatchObject({ created: 1, updated: 0, unchanged: 0, rejected: 0 });
    const again = await orders.record(admin, { orders: [order('IDEM-1', { source: 'SHOP', amount: '10' })] });
    expect(again.results[0]).toMatchObject({ outcome: 'UNCHANGED', orderId: first.results[0].orderId });
    const changed = await orders.record(admin, { orders: [order('IDEM-1', { amount: '12.34' })] });
    expect(changed.results[0]).toMatchObject({ outcome: 'UPDATED', orderId: first.results[0].orderId });
    expect(await rows(`SELECT count(*)::int AS n FROM orders WHERE tenant_id = $1 AND external_order_id = 'IDEM-1'`)).toEqual([{ n: 1 }]);
    expect((await orderRow('IDEM-1')).amount).toBe('12.3400');
  });

  it('records the good orders of a batch and rejects the bad ones, naming the field', async () => {
    const res = await orders.record(admin, {
      orders: [order('MIX-1'), order('MIX-2', { currency: 'euro' }), order('MIX-3', { amount: '-1' }), order('MIX-1')],
    });
    expect(res.results.map((r) => r.outcome)).toEqual(['CREATED', 'REJECTED', 'REJECTED', 'REJECTED']);
    expect(res.results.map((r) => r.error?.field)).toEqual([
      undefined,
      'input.orders[1].currency',
      'input.orders[2].amount',
      'input.orders[3].externalOrderId',
    ]);
    expect(await orderRow('MIX-2')).toBeUndefined();
  });

  it('lets API keys with orders:write record, and nobody else but admins', async () => {
    const key = as([], 'apiKey', ['orders:write']);
    expect((await orders.record(key, { orders: [order('KEY-1')] })).created).toBe(1);
    for (const p of [as(['analyst']), as(['sales_rep']), as([], 'apiKey', ['contacts:write'])]) {
      await expect(orders.record(p, { orders: [order('NOPE')] })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    }
    await expect(orders.record(admin, { orders: Array.from({ length: 1001 }, (_, i) => order(`BIG-${i}`)) })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'input.orders' },
    });
  });

  it('keeps an order for an unknown customer unmatched, matches it when the contact arrives, and scores it', async () => {
    const res = await orders.record(admin, {
      orders: [order('LATE-1', { externalCustomer: { source: 'SHOP', key: 'K-late' }, amount: '99.95' })],
    });
    expect(res.results[0]).toMatchObject({ outcome: 'CREATED', contactId: null });
    const contactId = randomUUID();
    await contactCreated(contactId, [{ source: 'shop', key: 'K-late' }]);
    await eventually(
      () => orderRow('LATE-1'),
      (o) => o.contact_id === contactId,
    );
    // Matching changed who the order counts for: RFM is recomputed in the background.
    const [score] = await eventually(
      () => rows(`SELECT frequency, monetary::text, segment_key FROM rfm_scores WHERE tenant_id = $1 AND contact_id = $2`, [contactId]),
      (r) => r.length === 1,
    );
    expect(score).toMatchObject({ frequency: 1, monetary: '99.9500' });
    // Known now: the next order by that external id matches at once.
    const next = await orders.record(admin, { orders: [order('LATE-2', { externalCustomer: { source: 'shop', key: 'K-late' } })] });
    expect(next.results[0].contactId).toBe(contactId);
  });

  it('applies a burst of contact events (taken as one batch) in order: late matches, an external id moving to a newer snapshot', async () => {
    await orders.record(admin, {
      orders: [
        order('BURST-1', { externalCustomer: { source: 'erp', key: 'B-1' } }),
        order('BURST-2', { externalCustomer: { source: 'erp', key: 'B-2' } }),
        order('BURST-3', { externalCustomer: { source: 'erp', key: 'B-3' } }),
      ],
    });
    const [c1, c2, c3] = [randomUUID(), randomUUID(), randomUUID()];
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const snapshot = (id: string, keys: string[], updatedAt: string): ContactSnapshotV1 => ({
      id,
      accountId: null,
      ownerId: null,
      firstName: null,
      lastName: 'Burst',
      emails: [],
      phones: [],
      externalIds: keys.map((key) => ({ source: 'erp', key })),
      createdAt: updatedAt,
      updatedAt,
    });
    await publish(CONTACT_CREATED, c1, { contact: snapshot(c1, ['B-1'], at(0)) });
    await publish(CONTACT_CREATED, c2, { contact: snapshot(c2, ['B-2'], at(0)) });
    await publish(CONTACT_CREATED, c3, { contact: snapshot(c3, [], at(0)) });
    // B-2 moves from c2 to c3; a stale redelivered snapshot of c2 comes last and must not win.
    await publish(CONTACT_UPDATED, c2, { contact: snapshot(c2, [], at(10)) });
    await publish(CONTACT_UPDATED, c3, { contact: snapshot(c3, ['B-2', 'B-3'], at(20)) });
    await publish(CONTACT_UPDATED, c2, { contact: snapshot(c2, ['B-2'], at(1)) });
    const resolved = () =>
      rows(`SELECT external_order_id, contact_id FROM orders WHERE tenant_id = $1 AND external_order_id LIKE 'BURST-%' ORDER BY 1`);
    await eventually(resolved, (r) => r.every((o: { contact_id: string | null }) => o.contact_id !== null) && r[1].contact_id === c3);
    expect(await resolved()).toEqual([
      { external_order_id: 'BURST-1', contact_id: c1 },
      { external_order_id: 'BURST-2', contact_id: c3 },
      { external_order_id: 'BURST-3', contact_id: c3 },
    ]);
    expect(await rows(`SELECT key, contact_id FROM contact_external_ids WHERE tenant_id = $1 AND key LIKE 'B-%' ORDER BY key`)).toEqual([
      { key: 'B-1', contact_id: c1 },
      { key: 'B-2', contact_id: c3 },
      { key: 'B-3', contact_id: c3 },
    ]);
  });

  it('re-points orders of merged contacts to the survivor, and keeps their ids resolving to it', async () => {
    const survivor = randomUUID();
    const merged = randomUUID();
    await contactCreated(survivor, [{ source: 'erp', key: 'S-1' }]);
    await contactCreated(merged, [{ source: 'erp', key: 'M-1' }]);
    await eventually(
      () => rows(`SELECT id FROM contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [[survivor, merged]]),
      (r) => r.length === 2,
    );
    await orders.record(admin, {
      orders: [
        order('MERGE-1', { externalCustomer: { source: 'erp', key: 'M-1' } }),
        order('MERGE-2', { externalCustomer: null, contactId: merged }),
        order('MERGE-3', { externalCustomer: { source: 'erp', key: 'S-1' } }),
      ],
    });
    expect((await orderRow('MERGE-1')).contact_id).toBe(merged);

    await publish(CONTACT_MERGED, survivor, { survivorId: survivor, mergedIds: [merged] });
    await eventually(
      () => rows(`SELECT DISTINCT contact_id FROM orders WHERE tenant_id = $1 AND external_order_id LIKE 'MERGE-%'`),
      (r) => r.length === 1 && r[0].contact_id === survivor,
    );
    const later = await orders.record(admin, {
      orders: [
        order('MERGE-4', { externalCustomer: { source: 'erp', key: 'M-1' } }),
        order('MERGE-5', { externalCustomer: null, contactId: merged }),
      ],
    });
    expect(later.results.map((r) => r.contactId)).toEqual([survivor, survivor]);
    const page = await orders.list(as(['analyst']), { contactId: survivor, first: 10 });
    expect(page.totalCount).toBe(5);
  });

  it('ingests commerce.order.placed from NATS through the same path, acknowledging bad messages', async () => {
    const contactId = randomUUID();
    await contactCreated(contactId, []);
    const bad: Partial<OrderV1> = {
      source: 'pos',
      externalOrderId: 'NATS-BAD',
      contactId,
      occurredAt: 'yesterday',
      amount: '5',
      currency: 'EUR',
    };
    const good: OrderV1 = {
      source: 'pos',
      externalOrderId: 'NATS-1',
      contactId,
      occurredAt: new Date().toISOString(),
      amount: '42.00',
      currency: 'EUR',
      channel: 'Store',
    };
    await publish(ORDER_PLACED, 'NATS-BAD', { order: bad });
    await publish(ORDER_PLACED, 'NATS-1', { order: good });
    const [row] = await eventually(
      () => rows(`SELECT contact_id, amount::text, channel FROM orders WHERE tenant_id = $1 AND source = 'pos'`),
      (r) => r.length > 0,
    );
    expect(row).toEqual({ contact_id: contactId, amount: '42.0000', channel: 'store' });
    // Re-sent as cancelled: the same order changes status.
    await publish(ORDER_PLACED, 'NATS-1', { order: { ...good, status: 'CANCELLED' } });
    await eventually(
      () => rows(`SELECT status FROM orders WHERE tenant_id = $1 AND source = 'pos'`),
      (r) => r[0]?.status === 'CANCELLED',
    );
    expect(await rows(`SELECT count(*)::int AS n FROM orders WHERE tenant_id = $1 AND source = 'pos'`)).toEqual([{ n: 1 }]);
  });
});
