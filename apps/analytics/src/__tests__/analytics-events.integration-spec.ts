import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import {
  CONTACT_CREATED,
  CUSTOMER_RFM_CHANGED,
  ORDER_PLACED,
  ORDER_RECORDED,
  RFM_RECOMPUTED,
  STREAMS,
  SYSTEM_ACTOR,
  type ContactSnapshotV1,
  type CustomerRfmChangedDataV1,
  type EventEnvelope,
  type OrderRecordedDataV1,
  type OrderV1,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { StartedService } from '@rapport/service-kit';
import { startService, StreamProbe, eventuallyWithin } from '@rapport/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import type { OrderInput } from '../orders/order-input';
import { OrdersService } from '../orders/orders.service';
import { RfmService } from '../rfm/rfm.service';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DAY = 86_400_000;

/** What analytics publishes for marketing: analytics.order.recorded and analytics.customer.rfm_changed, as they land on the stream. */
describe('analytics events: order.recorded and customer.rfm_changed', () => {
  let analytics: StartedService;
  let nc: NatsConnection;
  let probe: StreamProbe;
  let ds: DataSource;
  let orders: OrdersService;
  let rfm: RfmService;
  /** Each test has a tenant of its own (RFM cut points depend on every customer of the tenant). */
  let tenantId = randomUUID();
  // Streams of its own: the run's shared ANALYTICS stream holds thousands of other specs' events, too many to scan.
  const isolation = {
    NATS_SUBJECT_PREFIX: `${process.env.NATS_SUBJECT_PREFIX}ev`,
    NATS_STREAM_SUFFIX: `ev_${process.env.NATS_STREAM_SUFFIX}`,
  };
  const prefix = isolation.NATS_SUBJECT_PREFIX;
  const stream = `${STREAMS.ANALYTICS.name}_${isolation.NATS_STREAM_SUFFIX}`;
  const adminId = randomUUID();
  const admin = (): Principal => ({ kind: 'user', tenantId, id: adminId, roles: ['admin'], scopes: [], contactId: null });
  const yesterday = new Date(Date.now() - DAY);

  beforeAll(async () => {
    // Recomputes only when the test asks, so every rfm_changed on the stream is from a known recompute.
    analytics = await startService(AnalyticsAppModule, analyticsDefinition, { ...isolation, ANALYTICS_RFM_DELAY_MS: '600000' });
    nc = await connect({ servers: process.env.NATS_URL });
    probe = await StreamProbe.connect();
    ds = analytics.app.get(DataSource);
    orders = analytics.app.get(OrdersService);
    rfm = analytics.app.get(RfmService);
  });

  afterAll(async () => {
    await probe?.close();
    await nc?.close();
    await analytics?.close();
  });

  const mine = async <T>(type: string): Promise<EventEnvelope<string, T>[]> =>
    (await probe.events(stream, `${prefix}.${type}`)).filter((e) => e.tenantId === tenantId) as EventEnvelope<string, T>[];

  const eventually = eventuallyWithin({ timeoutMs: 10_000 });

  async function publish(type: string, subjectId: string, data: unknown): Promise<void> {
    const event = newEvent({ type, tenantId, actor: SYSTEM_ACTOR, subjectId, data });
    await nc.jetstream().publish(`${prefix}.${type}`, Buffer.from(JSON.stringify(event)), { msgID: event.id });
  }

  async function contacts(...list: [string, string][]): Promise<void> {
    for (const [id, key] of list) {
      const now = new Date().toISOString();
      const contact: ContactSnapshotV1 = {
        id,
        accountId: null,
        ownerId: null,
        firstName: null,
        lastName: 'Test',
        emails: [],
        phones: [],
        externalIds: [{ source: 'erp', key }],
        createdAt: now,
        updatedAt: now,
      };
      await publish(CONTACT_CREATED, id, { contact });
    }
    await eventually(
      () => ds.query(`SELECT id FROM contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, list.map(([id]) => id)]),
      (r) => r.length === list.length,
    );
  }

  const order = (externalOrderId: string, key: string, extra: Partial<OrderInput> = {}): OrderInput => ({
    source: 'shop',
    externalOrderId,
    externalCustomer: { source: 'erp', key },
    occurredAt: yesterday,
    amount: '10',
    currency: 'EUR',
    ...extra,
  });

  it('announces each stored order change once, with the resolved contact, from recordOrders and from NATS alike', async () => {
    const ada = randomUUID();
    await contacts([ada, 'ADA']);
    const first = await orders.record(admin(), {
      orders: [order('R-1', 'ADA', { channel: 'Web' }), order('R-2', 'NOBODY'), order('R-BAD', 'ADA', { currency: 'euro' })],
    });
    expect(first.results.map((r) => r.outcome)).toEqual(['CREATED', 'CREATED', 'REJECTED']);
    // The identical re-send changes nothing and announces nothing; the changed one is an update.
    const again = await orders.record(admin(), {
      orders: [order('R-1', 'ADA', { channel: 'web', amount: '10.00' }), order('R-2', 'NOBODY', { amount: '12.5' })],
    });
    expect(again.results.map((r) => r.outcome)).toEqual(['UNCHANGED', 'UPDATED']);

    // Through NATS: placed, re-sent identically (a new event id, so only ingest can tell), then cancelled.
    const placed: OrderV1 = {
      source: 'pos',
      externalOrderId: 'N-1',
      externalCustomer: { source: 'erp', key: 'ADA' },
      occurredAt: yesterday.toISOString(),
      amount: '42',
      currency: 'EUR',
    };
    await publish(ORDER_PLACED, 'N-1', { order: placed });
    await publish(ORDER_PLACED, 'N-1', { order: placed });
    await publish(ORDER_PLACED, 'N-1', { order: { ...placed, status: 'CANCELLED' } });

    const events = await probe.waitFor(
      stream,
      `${prefix}.${ORDER_RECORDED}`,
      (all) => all.filter((e) => e.tenantId === tenantId).length >= 5,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1500)); // anything extra would have landed by now
    const recorded = await mine<OrderRecordedDataV1>(ORDER_RECORDED);
    expect(recorded.map((e) => [e.data.externalOrderId, e.data.change, e.data.status, e.data.amount])).toEqual([
      ['R-1', 'CREATED', 'PLACED', '10.00'],
      ['R-2', 'CREATED', 'PLACED', '10.00'],
      ['R-2', 'UPDATED', 'PLACED', '12.50'],
      ['N-1', 'CREATED', 'PLACED', '42.00'],
      ['N-1', 'UPDATED', 'CANCELLED', '42.00'],
    ]);
    expect(events.length).toBeGreaterThanOrEqual(5);
    const [r1] = recorded;
    expect(r1).toMatchObject({
      type: ORDER_RECORDED,
      version: 1,
      tenantId,
      subjectId: first.results[0].orderId,
      actor: { kind: 'user', id: adminId },
      data: {
        orderId: first.results[0].orderId,
        source: 'shop',
        contactId: ada,
        currency: 'EUR',
        channel: 'web',
        occurredAt: first.results[0] && expect.stringMatching(/Z$/),
      },
    });
    expect(recorded[1].data.contactId).toBeNull(); // NOBODY is not a known customer
    expect(recorded[3].data.contactId).toBe(ada);
    expect(new Set(recorded.map((e) => e.id)).size).toBe(5);
    for (const e of recorded) expect(e.id).toMatch(UUID_V7);
  });

  it('announces an order again once its customer arrives after it, with the contact it now counts for', async () => {
    tenantId = randomUUID();
    const first = await orders.record(admin(), { orders: [order('L-1', 'LATE')] });
    expect(first.results[0]).toMatchObject({ outcome: 'CREATED', contactId: null });
    const grace = randomUUID();
    await contacts([grace, 'LATE']);
    await eventually(
      () => mine<OrderRecordedDataV1>(ORDER_RECORDED),
      (events) => events.length >= 2,
      30_000,
    );
    const recorded = await mine<OrderRecordedDataV1>(ORDER_RECORDED);
    expect(recorded.map((e) => [e.data.externalOrderId, e.data.change, e.data.contactId])).toEqual([
      ['L-1', 'CREATED', null],
      ['L-1', 'UPDATED', grace],
    ]);
    expect(recorded[1]).toMatchObject({
      subjectId: first.results[0].orderId,
      actor: { kind: 'system' },
      data: { amount: '10.00', status: 'PLACED' },
    });
  });

  it('announces each contact whose RFM cell or segment changed, once, and nothing on a recompute that changes nothing', async () => {
    tenantId = randomUUID();
    const best = randomUUID();
    const lapsing = randomUUID();
    await contacts([best, 'BEST'], [lapsing, 'LAPSING']);
    await orders.record(admin(), {
      orders: [
        order('F-1', 'BEST', { occurredAt: new Date(Date.now() - 2 * DAY), amount: '100' }),
        order('F-2', 'BEST', { occurredAt: new Date(Date.now() - 5 * DAY), amount: '100' }),
        order('F-3', 'BEST', { occurredAt: new Date(Date.now() - 9 * DAY), amount: '100' }),
        order('F-4', 'LAPSING', { occurredAt: new Date(Date.now() - 200 * DAY), amount: '5' }),
      ],
    });
    const recomputes = async (n: number) =>
      probe.waitFor(stream, `${prefix}.${RFM_RECOMPUTED}`, (all) => all.filter((e) => e.tenantId === tenantId).length >= n, 30_000);
    const changesFor = () => mine<CustomerRfmChangedDataV1>(CUSTOMER_RFM_CHANGED);

    const first = await rfm.recompute(tenantId, SYSTEM_ACTOR);
    expect(first.customersChanged).toBe(2);
    await recomputes(1);
    const initial = await changesFor();
    const byContact = Object.fromEntries(initial.map((e) => [e.data.contactId, e.data]));
    expect(initial).toHaveLength(2);
    expect(byContact[best]).toMatchObject({
      previousSegmentKey: null,
      previousScore: null,
      segmentKey: 'champions',
      segmentName: 'Champions',
      score: '555',
      frequency: 3,
      monetary: '300.00',
      currency: 'EUR',
      recencyDays: 2,
    });
    expect(byContact[lapsing]).toMatchObject({ previousSegmentKey: null, segmentKey: 'hibernating', score: '111', frequency: 1 });
    for (const e of initial) expect(e.id).toMatch(UUID_V7);

    // Nothing changed: nothing announced (raw recency may move, cells do not).
    const unchanged = await rfm.recompute(tenantId, SYSTEM_ACTOR);
    expect(unchanged.customersChanged).toBe(0);
    await recomputes(2);
    expect(await changesFor()).toHaveLength(2);
    // Each job run is audited once, with the system as actor and its counts (not an entry per scored row).
    const audited: { actor: string; details: Record<string, unknown> }[] = await ds.query(
      `SELECT envelope->'actor'->>'kind' AS actor, envelope->'data'->'details' AS details FROM outbox
        WHERE type = 'analytics.audit.recorded' AND tenant_id = $1 AND envelope->'data'->>'action' = 'rfm.recomputed' ORDER BY created_at, id`,
      [tenantId],
    );
    expect(audited.map((a) => [a.actor, a.details.customersScored, a.details.customersChanged])).toEqual([
      ['system', 2, 2],
      ['system', 2, 0],
    ]);

    // The lapsing customer's only order is cancelled: they drop out, and the best one's cell moves.
    await orders.record(admin(), {
      orders: [order('F-4', 'LAPSING', { occurredAt: new Date(Date.now() - 200 * DAY), amount: '5', status: 'CANCELLED' })],
    });
    await rfm.recompute(tenantId, SYSTEM_ACTOR);
    await recomputes(3);
    const later = (await changesFor()).slice(2);
    expect(later).toHaveLength(2);
    const dropped = later.find((e) => e.data.contactId === lapsing)!.data;
    expect(dropped).toMatchObject({
      previousSegmentKey: 'hibernating',
      previousScore: '111',
      segmentKey: null,
      segmentName: null,
      score: null,
      recencyDays: null,
      frequency: null,
      monetary: null,
      currency: null,
    });
    expect(later.find((e) => e.data.contactId === best)!.data).toMatchObject({ previousScore: '555', previousSegmentKey: 'champions' });
  });
});
