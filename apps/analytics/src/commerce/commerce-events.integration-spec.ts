import { randomUUID } from 'node:crypto';
import { OUTBOX_EVENTS, outboxEnvelopes } from '@rapport/messaging';
import type { Principal } from '@rapport/auth';
import { CART_ABANDONED, ORDER_RECORDED, type OrderRecordedDataV1 } from '@rapport/contracts';
import type { StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import { ANALYTICS_SERVICE_OUTBOX_EXPANDERS } from '../messaging/outbox-expanders';
import type { CommerceEventInput } from './commerce-event-input';
import { CommerceEventsService } from './commerce-events.service';

/** The analytics service on its own, against the real Postgres and NATS: receipts, outbox rows, orders. */
describe('recordCommerceEvents: receipts, outbox and the order ingest (integration)', () => {
  let analytics: StartedService;
  let ds: DataSource;
  let commerce: CommerceEventsService;
  const tenantId = randomUUID();
  const principal = (roles: Principal['roles'], kind: Principal['kind'], scopes: string[] = []): Principal => ({
    kind,
    tenantId,
    id: randomUUID(),
    roles,
    scopes,
    contactId: null,
  });
  const shop = principal(['partner'], 'apiKey', ['commerce:write']);

  beforeAll(async () => {
    analytics = await startService(AnalyticsAppModule, analyticsDefinition);
    ds = analytics.app.get(DataSource);
    commerce = analytics.app.get(CommerceEventsService);
  });

  afterAll(() => analytics?.close());

  const cart = (eventId: string): CommerceEventInput => ({
    eventId,
    type: 'cart.abandoned',
    source: 'shop',
    occurredAt: new Date(),
    externalCustomer: { source: 'shop', key: 'K-1' },
    cart: { cartId: `cart-${eventId}`, value: '10', currency: 'EUR', lines: [{ sku: 'A', quantity: '1', unitPrice: '10' }] },
  });
  const order = (eventId: string, externalOrderId: string, amount = '25.00'): CommerceEventInput => ({
    eventId,
    type: 'order.placed',
    source: 'shop',
    occurredAt: new Date(Date.now() - 60_000),
    externalCustomer: { source: 'shop', key: 'K-1' },
    order: { externalOrderId, amount, currency: 'EUR' },
  });
  /** Owner connection (bypasses RLS) for assertions only; always filtered by tenant. */
  const outboxOf = async (type: string, eventId: string) =>
    (
      await ds.query(`SELECT envelope FROM ${OUTBOX_EVENTS} WHERE tenant_id = $1 AND type = $2 AND envelope->'data'->>'eventId' = $3`, [
        tenantId,
        type,
        eventId,
      ])
    ).map((r: { envelope: unknown }) => r.envelope);

  it('publishes a cart once however often, and however concurrently, the shop sends it', async () => {
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => commerce.record(shop, { events: [cart('same-1')] })));
    expect(outcomes.map((o) => o.results[0].status).sort()).toEqual(['DUPLICATE', 'DUPLICATE', 'DUPLICATE', 'RECORDED']);
    const published = await outboxOf(CART_ABANDONED, 'same-1');
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      type: CART_ABANDONED,
      tenantId,
      subjectId: 'cart-same-1',
      actor: { kind: 'apiKey', id: shop.id },
      data: { source: 'shop', externalCustomer: { source: 'shop', key: 'K-1' }, value: '10.00', lines: [{ unitPrice: '10.00' }] },
    });
    // Another source may use the same id for its own event.
    const other = await commerce.record(shop, { events: [{ ...cart('same-1'), source: 'app' }] });
    expect(other.results[0].status).toBe('RECORDED');
  });

  it('records order.placed through the order ingest, and a refused order leaves no receipt behind', async () => {
    const first = await commerce.record(shop, { events: [order('o-1', 'O-1'), order('o-2', 'O-1', '26.00')] });
    expect(first.results.map((r) => [r.status, r.error?.field ?? null])).toEqual([
      ['RECORDED', null],
      ['REJECTED', 'input.events[1].order.externalOrderId'],
    ]);
    const [stored] = await ds.query(
      `SELECT id, amount::text AS amount FROM orders WHERE tenant_id = $1 AND source = 'shop' AND external_order_id = 'O-1'`,
      [tenantId],
    );
    expect(stored).toEqual({ id: first.results[0].orderId, amount: '25.0000' });
    // Recorded orders are compact outbox rows (ADR 075): read as the relay publishes them.
    const recorded = (await outboxEnvelopes(ds, tenantId, ANALYTICS_SERVICE_OUTBOX_EXPANDERS))
      .filter((e) => e.type === ORDER_RECORDED && e.subjectId === stored.id)
      .map((e) => ({ change: (e.data as OrderRecordedDataV1).change }));
    expect(recorded).toEqual([{ change: 'CREATED' }]);

    // The refused event, sent again on its own with the same id, is judged afresh: it updates the order.
    const retry = await commerce.record(shop, { events: [order('o-2', 'O-1', '26.00')] });
    expect(retry.results[0]).toMatchObject({ status: 'RECORDED', orderId: stored.id });
    // The first event again: a duplicate, and the order keeps the newer amount.
    expect((await commerce.record(shop, { events: [order('o-1', 'O-1')] })).results[0].status).toBe('DUPLICATE');
    const [after] = await ds.query(`SELECT amount::text AS amount FROM orders WHERE tenant_id = $1 AND external_order_id = 'O-1'`, [
      tenantId,
    ]);
    expect(after.amount).toBe('26.0000');
  });

  it('lets keys with commerce:write and admins record, nobody else', async () => {
    for (const p of [
      principal(['partner'], 'apiKey', ['orders:write']),
      principal(['analyst'], 'user'),
      principal(['customer'], 'customer'),
    ]) {
      await expect(commerce.record(p, { events: [cart('nope')] })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    }
    expect((await commerce.record(principal(['admin'], 'user'), { events: [cart('by-admin')] })).recorded).toBe(1);
  });
});
