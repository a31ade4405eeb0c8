import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { purchaseModels } from '@rapport/clv';
import {
  CONTACT_CREATED,
  ORDER_PLACED,
  ORDER_RECORDED,
  SYSTEM_ACTOR,
  type ContactSnapshotV1,
  type OrderRecordedDataV1,
  type OrderV1,
} from '@rapport/contracts';
import { newEvent, outboxEnvelopes } from '@rapport/messaging';
import { ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService, eventuallyWithin } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import { scoreGroups } from '../clv/clv-scoring';
import { scoreCustomers } from '../clv/clv-scoring-sql';
import { DEFAULT_CLV_TIERS } from '../clv/clv-settings';
import { groupedSummary } from '../clv/clv-summary-sql';
import { ANALYTICS_SERVICE_OUTBOX_EXPANDERS } from '../messaging/outbox-expanders';
import { OrdersService } from '../orders/orders.service';
import { RetentionService } from '../retention/retention.service';
import { RfmService } from '../rfm/rfm.service';

// Service start-up against the real Postgres and NATS on a shared 2-core machine.
jest.setTimeout(60_000);

/**
 * Guest orders (a checkout without an account: no contact id, no external
 * customer id) are recorded from the API and from commerce events, count in
 * revenue and order totals and beside the cohorts, and never for a customer
 * (RFM, the CLV fit's summary and scoring).
 */
describe('analytics: guest orders', () => {
  let analytics: StartedService;
  let nc: NatsConnection;
  let ds: DataSource;
  const tenantId = randomUUID();
  const admin: Principal = { kind: 'user', tenantId, id: randomUUID(), roles: ['admin'], scopes: [], contactId: null };
  const month = new Date(Date.UTC(2026, 9, 1));
  const at = (day: number) => new Date(Date.UTC(2026, 9, day, 12));

  beforeAll(async () => {
    analytics = await startService(AnalyticsAppModule, analyticsDefinition);
    nc = await connect({ servers: process.env.NATS_URL });
    ds = analytics.app.get(DataSource);
  });

  afterAll(async () => {
    await nc?.close();
    await analytics?.close();
  });

  async function publish(type: string, subjectId: string, data: unknown): Promise<void> {
    const event = newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId, data });
    await nc.jetstream().publish(`${process.env.NATS_SUBJECT_PREFIX}.${type}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
  }

  const eventually = eventuallyWithin({ timeoutMs: 15_000 });

  it('records orders without a customer and counts them in revenue and cohorts, not in per-customer models', async () => {
    const contactId = randomUUID();
    const now = new Date().toISOString();
    const contact: ContactSnapshotV1 = {
      id: contactId,
      accountId: null,
      ownerId: null,
      firstName: null,
      lastName: 'Known',
      emails: [],
      phones: [],
      externalIds: [],
      createdAt: now,
      updatedAt: now,
    };
    await publish(CONTACT_CREATED, contactId, { contact });
    await eventually(
      async () => (await ds.query(`SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1 AND id = $2`, [tenantId, contactId]))[0].n,
      (n) => n === 1,
    );

    const orders = analytics.app.get(OrdersService);
    const res = await orders.record(admin, {
      orders: [
        { source: 'shop', externalOrderId: 'G-1', occurredAt: at(3), amount: '30.00', currency: 'EUR' },
        { source: 'shop', externalOrderId: 'K-1', contactId, occurredAt: at(4), amount: '100.00', currency: 'EUR' },
        // Half a customer reference is still a mistake, not a guest.
        {
          source: 'shop',
          externalOrderId: 'BAD',
          contactId,
          externalCustomer: { source: 'erp', key: '1' },
          occurredAt: at(4),
          amount: '1',
          currency: 'EUR',
        },
      ],
    });
    expect(res.results.map((r) => [r.outcome, r.guest, r.contactId])).toEqual([
      ['CREATED', true, null],
      ['CREATED', false, contactId],
      ['REJECTED', false, null],
    ]);
    expect(res.results[2].error?.field).toBe('input.orders[2].contactId');

    // The partner contract: a commerce.order.placed without a customer is a guest order too.
    const guest: OrderV1 = { source: 'shop', externalOrderId: 'G-2', occurredAt: at(10).toISOString(), amount: '20.50', currency: 'EUR' };
    await publish(ORDER_PLACED, 'G-2', { order: guest });
    const stored = await eventually(
      () => ds.query(`SELECT external_order_id, contact_id, guest FROM orders WHERE tenant_id = $1 ORDER BY external_order_id`, [tenantId]),
      (rows: unknown[]) => rows.length === 3,
    );
    expect(stored).toEqual([
      { external_order_id: 'G-1', contact_id: null, guest: true },
      { external_order_id: 'G-2', contact_id: null, guest: true },
      { external_order_id: 'K-1', contact_id: contactId, guest: false },
    ]);
    // Consumers learn it is a guest order, not one still waiting for its customer.
    // Recorded orders are compact outbox rows (ADR 075): read as the relay publishes them.
    const recorded = (await outboxEnvelopes(ds, tenantId, ANALYTICS_SERVICE_OUTBOX_EXPANDERS))
      .filter((e) => e.type === ORDER_RECORDED)
      .map((e) => e.data as OrderRecordedDataV1);
    expect(recorded.filter((d) => d.guest)).toHaveLength(2);
    expect(recorded.filter((d) => d.guest).every((d) => d.contactId === null)).toBe(true);

    const retention = analytics.app.get(RetentionService);
    const [october] = await retention.revenueByPeriod(admin, 'MONTH', month, new Date(Date.UTC(2026, 10, 1)));
    expect(october).toMatchObject({
      period: '2026-10',
      revenue: { amount: '150.50', currency: 'EUR' },
      orders: 3,
      customers: 1,
      guestOrders: 2,
      guestRevenue: { amount: '50.50', currency: 'EUR' },
    });
    const cohorts = await retention.cohortRetention(admin, month, new Date(Date.UTC(2026, 11, 1)));
    expect(cohorts).toEqual([{ cohort: '2026-10', size: 1, guestOrders: 2, retention: [0] }]);

    // RFM scores customers only: the known contact, and no row for the guests' money.
    await analytics.app.get(RfmService).recompute(tenantId, SYSTEM_ACTOR, {}, new Date(Date.UTC(2026, 10, 1)));
    const scores = await ds.query(`SELECT contact_id, frequency, monetary::text FROM rfm_scores WHERE tenant_id = $1`, [tenantId]);
    expect(scores).toEqual([{ contact_id: contactId, frequency: 1, monetary: '100.0000' }]);

    // CLV models are per customer too: the fit's summary and the scoring see the one known customer (one purchase
    // day), not the guests' two orders on two days as a repeat buyer without an id.
    const db = analytics.app.get(ServiceDatabase);
    const end = new Date(Date.UTC(2026, 9, 31));
    const summary = await db.withTenant(tenantId, (em) =>
      groupedSummary(em, { tenantId, calibrationEnd: end, holdoutEnd: null, timeUnit: 'DAYS', currency: 'EUR' }),
    );
    expect(summary).toEqual({
      customers: 1,
      frequencyRecency: [{ x: 0, txDays: 0, tDays: 27, customers: 1, holdoutPurchases: 0 }],
      spend: [],
    });
    const scored = await db.withTenant(tenantId, (em) =>
      scoreCustomers(
        em,
        {
          tenantId,
          modelId: randomUUID(),
          timeUnit: 'DAYS',
          currency: 'EUR',
          asOf: end,
          contactIds: null,
          gammaGamma: { p: 6.25, q: 3.74, gamma: 15.4 },
          tiers: DEFAULT_CLV_TIERS,
        },
        (groups) => scoreGroups(purchaseModels.BG_NBD, { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }, groups, 1),
      ),
    );
    expect(scored).toMatchObject({ scored: 1, removed: [] });
    expect(await ds.query(`SELECT contact_id, x FROM customer_values WHERE tenant_id = $1`, [tenantId])).toEqual([
      { contact_id: contactId, x: 0 },
    ]);
  });

  it('takes the reporting currency from every placed order, guest orders included', async () => {
    // A shop that sells mostly to guests in USD and to one known customer in EUR reports in USD.
    const shop = randomUUID();
    const owner: Principal = { ...admin, tenantId: shop };
    const contactId = randomUUID();
    await ds.query(`INSERT INTO contacts (tenant_id, id) VALUES ($1, $2)`, [shop, contactId]);
    const res = await analytics.app.get(OrdersService).record(owner, {
      orders: [
        { source: 'shop', externalOrderId: 'G-1', occurredAt: at(3), amount: '10.00', currency: 'USD' },
        { source: 'shop', externalOrderId: 'G-2', occurredAt: at(4), amount: '20.00', currency: 'USD' },
        { source: 'shop', externalOrderId: 'K-1', contactId, occurredAt: at(5), amount: '100.00', currency: 'EUR' },
      ],
    });
    expect(res.results.map((r) => r.outcome)).toEqual(['CREATED', 'CREATED', 'CREATED']);
    const [october] = await analytics.app.get(RetentionService).revenueByPeriod(owner, 'MONTH', month, new Date(Date.UTC(2026, 10, 1)));
    expect(october).toMatchObject({
      revenue: { amount: '30.00', currency: 'USD' },
      orders: 3,
      guestOrders: 2,
      guestRevenue: { amount: '30.00', currency: 'USD' },
    });
  });
});
