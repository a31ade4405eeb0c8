import { randomUUID } from 'node:crypto';
import { CONTACT_CREATED, ORDER_RECORDED, type EventEnvelope, type OrderRecordedDataV1 } from '@rapport/contracts';
import { ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { historyEvents, minuteOf } from '../__tests__/history-events';
import { MarketingAppModule } from '../app.module';
import { marketingDefinition } from '../marketing.definition';
import { MarketingConsumers } from '../read-model/marketing-consumers';

/** Minutes apart, in stream order. */
const at = minuteOf(3);

/**
 * Attribution follows the order as the read model keeps it: a record of an
 * order older than the one stored (a redelivery, or one overtaken in the
 * stream) changes neither the order nor its credits.
 */
describe('marketing attribution: an outdated order record leaves the credits alone', () => {
  let marketing: StartedService;
  let db: ServiceDatabase;
  let consumers: MarketingConsumers;

  beforeAll(async () => {
    marketing = await startService(MarketingAppModule, marketingDefinition);
    db = marketing.app.get(ServiceDatabase);
    consumers = marketing.app.get(MarketingConsumers);
  });

  afterAll(() => marketing?.close());

  it('keeps the credits of the newest record when an older placed or cancelled record of the order comes after it', async () => {
    const tenantId = randomUUID();
    const contactId = randomUUID();
    const orderId = randomUUID();
    const campaignId = randomUUID();
    const event = historyEvents(tenantId, at);
    const record = (minute: number, amount: string, status: OrderRecordedDataV1['status']) =>
      event(ORDER_RECORDED, minute, orderId, {
        orderId,
        source: 'shop',
        externalOrderId: orderId,
        contactId,
        occurredAt: at(minute),
        amount,
        currency: 'EUR',
        status,
        channel: 'web',
        change: minute === 10 ? 'CREATED' : 'UPDATED',
      } satisfies OrderRecordedDataV1 & Record<string, unknown>);
    const apply = (events: EventEnvelope[]) => db.withTenant(tenantId, (em) => consumers.handleBatch(events, em, tenantId));
    const credits = () =>
      db.withTenant(tenantId, (em) =>
        em.query(`SELECT model, campaign_id, amount::text FROM conversions WHERE tenant_id = $1 AND order_id = $2 ORDER BY model`, [
          tenantId,
          orderId,
        ]),
      );

    await apply([
      event(CONTACT_CREATED, 0, contactId, {
        contact: {
          id: contactId,
          accountId: null,
          ownerId: null,
          firstName: 'Ada',
          lastName: 'Outdated',
          emails: ['ada@outdated.test'],
          phones: [],
          externalIds: [],
          createdAt: at(0),
          updatedAt: at(0),
        },
      }),
    ]);
    // The contact was in a campaign's control group from minute 1: its orders in the window are credited to it.
    await db.withTenant(tenantId, async (em) => {
      const segmentId = randomUUID();
      await em.query(`INSERT INTO segments (id, tenant_id, name, kind, rule) VALUES ($1, $2, 'Outdated', 'STATIC', '{}')`, [
        segmentId,
        tenantId,
      ]);
      await em.query(
        `INSERT INTO campaigns (id, tenant_id, name, segment_id, channel, purpose, status, currency)
         VALUES ($1, $2, 'Outdated', $3, 'EMAIL', 'MARKETING', 'SENT', 'EUR')`,
        [campaignId, tenantId, segmentId],
      );
      await em.query(
        `INSERT INTO campaign_recipients (tenant_id, campaign_id, contact_id, grp, bucket, status, assigned_at)
         VALUES ($1, $2, $3, 'CONTROL', 0, 'SKIPPED', $4)`,
        [tenantId, campaignId, contactId, at(1)],
      );
    });

    await apply([record(10, '10.00', 'PLACED')]);
    await apply([record(20, '12.00', 'PLACED')]);
    const newest = [
      { model: 'FIRST_TOUCH', campaign_id: campaignId, amount: '12.0000' },
      { model: 'LAST_TOUCH', campaign_id: campaignId, amount: '12.0000' },
    ];
    expect(await credits()).toEqual(newest);

    // Redelivered, and overtaken: older records of the order, alone and in a run with a newer one.
    await apply([record(10, '10.00', 'PLACED')]);
    expect(await credits()).toEqual(newest);
    await apply([record(15, '11.00', 'CANCELLED')]);
    expect(await credits()).toEqual(newest);
    await apply([record(15, '11.00', 'CANCELLED'), record(10, '10.00', 'PLACED')]);
    expect(await credits()).toEqual(newest);

    // A newer record still moves them: cancelled, the order loses its credits.
    await apply([record(30, '12.00', 'CANCELLED')]);
    expect(await credits()).toEqual([]);
  });
});
