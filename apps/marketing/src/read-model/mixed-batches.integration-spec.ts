import { randomUUID } from 'node:crypto';
import {
  CASE_OPENED,
  CASE_RESOLVED,
  CASE_STATUS_CHANGED,
  CONTACT_CREATED,
  CONTACT_MERGED,
  CONTACT_UNMERGED,
  CONTACT_UPDATED,
  CUSTOMER_TIER_CHANGED,
  ORDER_RECORDED,
  type CaseCategoryV1,
  type CaseSnapshotV1,
  type CaseStatusV1,
  type ContactSnapshotV1,
  type EventEnvelope,
  type OrderRecordedDataV1,
} from '@rapport/contracts';
import { ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { historyEvents, minuteOf } from '../__tests__/history-events';
import { MarketingAppModule } from '../app.module';
import { marketingDefinition } from '../marketing.definition';
import { eventRuns } from './event-runs';
import { MarketingConsumers } from './marketing-consumers';

/** Minutes apart, in stream order. */
const at = minuteOf(3);

/**
 * Marketing's consumers apply a batch in runs (ADR 058, 068): snapshots and
 * scores set-based, cases, orders and merges each written in order with one
 * recount per run. Whatever the runs, the read model must end as it would
 * with every event applied on its own, in its own transaction.
 */
describe('marketing read model: a mixed batch gives the rows of its events applied one by one', () => {
  let marketing: StartedService;
  let db: ServiceDatabase;
  let consumers: MarketingConsumers;

  beforeAll(async () => {
    marketing = await startService(MarketingAppModule, marketingDefinition);
    db = marketing.app.get(ServiceDatabase);
    consumers = marketing.app.get(MarketingConsumers);
  });

  afterAll(() => marketing?.close());

  // One history, the same ids in two tenants: one takes it as a single batch, the other event by event.
  const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const [complaintA, questionB, complaintC, complaintD] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const [order1, order2, order3] = [randomUUID(), randomUUID(), randomUUID()];
  const mergeBA = randomUUID();
  const mergeCA = randomUUID();

  function history(tenantId: string): EventEnvelope[] {
    const event = historyEvents(tenantId, at);
    const contact = (id: string, minute: number, lastName: string): ContactSnapshotV1 => ({
      id,
      accountId: null,
      ownerId: null,
      firstName: 'Mixed',
      lastName,
      emails: [`${lastName.toLowerCase()}@mixed.test`],
      phones: [],
      externalIds: [],
      createdAt: at(0),
      updatedAt: at(minute),
    });
    const snapshot = (type: string, id: string, minute: number, lastName: string) =>
      event(type, minute, id, { contact: contact(id, minute, lastName) });
    const kase = (type: string, id: string, contactId: string, minute: number, category: CaseCategoryV1, status: CaseStatusV1) => {
      const snapshotOf: CaseSnapshotV1 = {
        id,
        contactId,
        accountId: null,
        subject: 'Mixed batch',
        channel: 'EMAIL',
        category,
        priority: 'HIGH',
        status,
        ownerId: null,
        queueId: null,
        tier: null,
        createdAt: at(minute),
        updatedAt: at(minute),
      };
      return event(type, minute, id, type === CASE_RESOLVED ? { case: snapshotOf, resolvedAt: at(minute) } : { case: snapshotOf });
    };
    const order = (orderId: string, contactId: string, minute: number, amount: string, status: OrderRecordedDataV1['status']) =>
      event(ORDER_RECORDED, minute, orderId, {
        orderId,
        source: 'shop',
        externalOrderId: orderId.slice(0, 8),
        contactId,
        occurredAt: at(minute),
        amount,
        currency: 'EUR',
        status,
        channel: null,
        change: 'CREATED',
      } satisfies Partial<OrderRecordedDataV1>);
    const merge = (mergeId: string, survivorId: string, mergedId: string, minute: number) =>
      event(CONTACT_MERGED, minute, survivorId, { survivorId, mergedIds: [mergedId], mergeId });
    return [
      snapshot(CONTACT_CREATED, a, 1, 'Alder'),
      snapshot(CONTACT_CREATED, b, 1, 'Birch'),
      snapshot(CONTACT_CREATED, c, 1, 'Cedar'),
      kase(CASE_OPENED, complaintA, a, 2, 'COMPLAINT', 'NEW'),
      snapshot(CONTACT_UPDATED, a, 3, 'Alder-Ash'),
      order(order1, b, 4, '120.50', 'PLACED'),
      kase(CASE_OPENED, questionB, b, 5, 'QUESTION', 'NEW'),
      merge(mergeBA, a, b, 6),
      // A snapshot of the merged contact after its merge, then a complaint opened for it: both count for the survivor.
      snapshot(CONTACT_UPDATED, b, 7, 'Birch-Merged'),
      kase(CASE_OPENED, complaintC, c, 8, 'COMPLAINT', 'NEW'),
      kase(CASE_RESOLVED, complaintA, a, 9, 'COMPLAINT', 'RESOLVED'),
      order(order2, c, 10, '80.00', 'PLACED'),
      // The same order again, refunded: the newer record wins.
      order(order1, b, 11, '120.50', 'CANCELLED'),
      merge(mergeCA, a, c, 12),
      snapshot(CONTACT_CREATED, d, 13, 'Dogwood'),
      kase(CASE_OPENED, complaintD, d, 14, 'COMPLAINT', 'NEW'),
      event(CUSTOMER_TIER_CHANGED, 15, d, { contactId: d, previousTier: null, tier: 'gold', clv: { amount: '900.00', currency: 'EUR' } }),
      order(order3, d, 16, '15.00', 'PLACED'),
      event(CASE_STATUS_CHANGED, 17, complaintC, { caseId: complaintC, from: 'NEW', to: 'IN_PROGRESS' }),
      event(CONTACT_UNMERGED, 18, a, { survivorId: a, restoredIds: [c], mergeId: mergeCA }),
      kase(CASE_RESOLVED, complaintD, d, 19, 'COMPLAINT', 'RESOLVED'),
      snapshot(CONTACT_UPDATED, d, 20, 'Dogwood-Dale'),
    ];
  }

  /** Everything the read model keeps of the history's contacts, cases and orders, without the tenant and projection times. */
  const readModel = (tenantId: string) =>
    db.withTenant(tenantId, async (em) => ({
      contacts: await em.query(
        `SELECT id, first_name, last_name, email, emails, merged_into, deleted_at, open_cases, open_complaints, first_order_at,
                last_order_at, orders_count, tier, clv::text, clv_currency, tier_changed_at, sales_updated_at, attributes
           FROM contacts WHERE tenant_id = $1 ORDER BY id`,
        [tenantId],
      ),
      cases: await em.query(
        `SELECT case_id, contact_id, category, status, open, snapshot_at, changed_at FROM contact_cases WHERE tenant_id = $1 ORDER BY case_id`,
        [tenantId],
      ),
      orders: await em.query(
        `SELECT order_id, contact_id, occurred_at, amount::text, currency, status, recorded_at FROM contact_orders
          WHERE tenant_id = $1 ORDER BY order_id`,
        [tenantId],
      ),
    }));

  it('applies cases, orders and merges interleaved with contact updates to the same rows as one by one', async () => {
    const batched = randomUUID();
    const events = history(batched);
    // The batch really is cut into runs of several events, merges and cases among them.
    expect(eventRuns(events).map((r) => `${r.kind}:${r.events.length}`)).toEqual([
      'SNAPSHOT:3',
      'CASE:1',
      'SNAPSHOT:1',
      'ORDER:1',
      'CASE:1',
      'MERGE:1',
      'SNAPSHOT:1',
      'CASE:2',
      'ORDER:2',
      'MERGE:1',
      'SNAPSHOT:1',
      'CASE:1',
      'SCORE:1',
      'ORDER:1',
      'CASE:1',
      'ONE:1',
      'CASE:1',
      'SNAPSHOT:1',
    ]);
    await db.withTenant(batched, (em) => consumers.handleBatch(events, em, batched));

    const oneByOne = randomUUID();
    for (const event of history(oneByOne)) await db.withTenant(oneByOne, (em) => consumers.handleBatch([event], em, oneByOne));

    const expected = await readModel(oneByOne);
    expect(await readModel(batched)).toEqual(expected);

    // And the rows are the history's: B stays merged into A, C was unmerged again, D's complaint is resolved.
    const row = (id: string) => expected.contacts.find((r: { id: string }) => r.id === id);
    expect(row(b)).toMatchObject({ merged_into: a, last_name: 'Birch-Merged' });
    expect(row(a)).toMatchObject({ merged_into: null, last_name: 'Alder-Ash', open_cases: 1, open_complaints: 0, orders_count: 0 });
    expect(row(c)).toMatchObject({ merged_into: null, open_cases: 1, open_complaints: 1, orders_count: 1 });
    expect(row(d)).toMatchObject({ last_name: 'Dogwood-Dale', tier: 'gold', open_complaints: 0, orders_count: 1 });
  });

  it('applies a service batch (cases only, complaints opened and resolved for several contacts) as one by one', async () => {
    const batched = randomUUID();
    const oneByOne = randomUUID();
    const isCase = (e: EventEnvelope) => e.type.startsWith('service.case.');
    const contactsOf = (tenantId: string) => history(tenantId).filter((e) => e.type === CONTACT_CREATED);
    for (const tenantId of [batched, oneByOne])
      await db.withTenant(tenantId, (em) => consumers.handleBatch(contactsOf(tenantId), em, tenantId));

    const cases = history(batched).filter(isCase);
    expect(eventRuns(cases).map((r) => `${r.kind}:${r.events.length}`)).toEqual(['CASE:7']);
    await db.withTenant(batched, (em) => consumers.handleBatch(cases, em, batched));
    for (const event of history(oneByOne).filter(isCase))
      await db.withTenant(oneByOne, (em) => consumers.handleBatch([event], em, oneByOne));

    const expected = await readModel(oneByOne);
    expect(await readModel(batched)).toEqual(expected);
    const complaints = Object.fromEntries(expected.contacts.map((r: { id: string; open_complaints: number }) => [r.id, r.open_complaints]));
    expect(complaints).toEqual({ [a]: 0, [b]: 0, [c]: 1, [d]: 0 });
  });
});
