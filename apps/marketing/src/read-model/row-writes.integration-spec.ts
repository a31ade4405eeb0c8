import { randomUUID } from 'node:crypto';
import { CONTACT_CREATED, ORDER_RECORDED, type ContactSnapshotV1, type EventEnvelope, type OrderRecordedDataV1 } from '@rapport/contracts';
import { ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import type { EntityManager } from 'typeorm';
import { historyEvents, minuteOf } from '../__tests__/history-events';
import { MarketingAppModule } from '../app.module';
import { marketingDefinition } from '../marketing.definition';
import { MarketingConsumers } from './marketing-consumers';
import { ReadModelProjector } from './read-model-projector';

const at = minuteOf(4);

/**
 * What a consumer batch costs the database is mostly row versions and their
 * index entries (ADR 086): a new contact is written once, a recount that
 * changes nothing writes nothing, and a run of orders — the same order
 * recorded again, moved between contacts, redelivered older — ends with the
 * rows and per-event results of its events applied one by one.
 */
describe('marketing read model: row writes per batch', () => {
  let marketing: StartedService;
  let db: ServiceDatabase;
  let consumers: MarketingConsumers;
  let projector: ReadModelProjector;

  beforeAll(async () => {
    marketing = await startService(MarketingAppModule, marketingDefinition);
    db = marketing.app.get(ServiceDatabase);
    consumers = marketing.app.get(MarketingConsumers);
    projector = marketing.app.get(ReadModelProjector);
  });

  afterAll(() => marketing?.close());

  const event = (tenantId: string, type: string, minute: number, subjectId: string, data: unknown) =>
    historyEvents(tenantId, at)(type, minute, subjectId, data);
  const created = (tenantId: string, id: string, minute: number, externalIds: ContactSnapshotV1['externalIds'] = []): EventEnvelope => {
    const contact: ContactSnapshotV1 = {
      id,
      accountId: null,
      ownerId: null,
      firstName: 'Rows',
      lastName: id.slice(0, 8),
      emails: [`${id.slice(0, 8)}@rows.test`],
      phones: [],
      externalIds,
      createdAt: at(0),
      updatedAt: at(minute),
    };
    return event(tenantId, CONTACT_CREATED, minute, id, { contact });
  };
  const order = (tenantId: string, orderId: string, contactId: string, minute: number, status: OrderRecordedDataV1['status'], day = 1) =>
    event(tenantId, ORDER_RECORDED, minute, orderId, {
      orderId,
      source: 'shop',
      externalOrderId: orderId.slice(0, 8),
      contactId,
      occurredAt: new Date(Date.UTC(2026, 10, day)).toISOString(),
      amount: '10.00',
      currency: 'EUR',
      status,
      channel: null,
      change: 'CREATED',
    } satisfies Partial<OrderRecordedDataV1>);

  /**
   * Rows `work` inserted and updated (HOT among them) in marketing's
   * contacts, in its transaction: the difference of the backend's pending
   * counters before and after (which may still hold earlier transactions'
   * counts until they are reported, so only the difference is read).
   */
  const contactWrites = (tenantId: string, work: (em: EntityManager) => Promise<unknown>) =>
    db.withTenant(tenantId, async (em) => {
      const counters = async () => {
        const [row] = await em.query(
          `SELECT n_tup_ins::int AS inserted, n_tup_upd::int AS updated, n_tup_hot_upd::int AS hot
             FROM pg_stat_xact_user_tables WHERE schemaname = current_schema() AND relname = 'contacts'`,
        );
        return row as { inserted: number; updated: number; hot: number };
      };
      const before = await counters();
      await work(em);
      const after = await counters();
      return { inserted: after.inserted - before.inserted, updated: after.updated - before.updated, hot: after.hot - before.hot };
    });

  it('writes each new contact of a snapshot batch once: an insert, no placeholder updated after it', async () => {
    const tenantId = randomUUID();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const writes = await contactWrites(tenantId, (em) =>
      consumers.handleBatch(
        ids.map((id, i) => created(tenantId, id, i + 1)),
        em,
        tenantId,
      ),
    );
    expect(writes).toEqual({ inserted: 3, updated: 0, hot: 0 });
    const rows = await db.withTenant(tenantId, (em) =>
      em.query(`SELECT id, first_name, sales_updated_at FROM contacts WHERE tenant_id = $1 ORDER BY id`, [tenantId]),
    );
    expect(rows.map((r: { first_name: string }) => r.first_name)).toEqual(['Rows', 'Rows', 'Rows']);
  });

  it("reads none of the tenant's external ids for new contacts: the keys a batch replaces are looked up per contact", async () => {
    const tenantId = randomUUID();
    // The tenant's customers, each with its partner key (as an import of customers gives them).
    const customers = Array.from({ length: 2000 }, (_, i) => created(tenantId, randomUUID(), 1, [{ source: 'shop', key: `C${i}` }]));
    await db.withTenant(tenantId, (em) => consumers.handleBatch(customers, em, tenantId));
    // A batch as large as a consumer takes: the old single DELETE was planned by the tenant's keys, not the batch's contacts.
    const fresh = Array.from({ length: 2000 }, () => randomUUID());
    const read = await db.withTenant(tenantId, async (em) => {
      const counters = async () => {
        const [row] = await em.query(
          `SELECT (seq_tup_read + coalesce(idx_tup_fetch, 0))::int AS n
             FROM pg_stat_xact_user_tables WHERE schemaname = current_schema() AND relname = 'contact_external_ids'`,
        );
        return (row?.n as number | undefined) ?? 0;
      };
      const before = await counters();
      await consumers.handleBatch(
        fresh.map((id) => created(tenantId, id, 2)),
        em,
        tenantId,
      );
      return (await counters()) - before;
    });
    expect(read).toBe(0);
    // A key that moves, and one a contact drops, are still replaced.
    const [first, second] = customers.map((e) => (e.data as { contact: ContactSnapshotV1 }).contact.id);
    await db.withTenant(tenantId, (em) =>
      consumers.handleBatch([created(tenantId, first, 5, []), created(tenantId, second, 5, [{ source: 'shop', key: 'C0' }])], em, tenantId),
    );
    const keys = await db.withTenant(tenantId, (em) =>
      em.query(`SELECT key, contact_id FROM contact_external_ids WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[]) ORDER BY key`, [
        tenantId,
        [first, second],
      ]),
    );
    expect(keys).toEqual([{ key: 'C0', contact_id: second }]);
  });

  it('does not write a contact whose sums an order does not change (a cancelled order counts for nothing)', async () => {
    const tenantId = randomUUID();
    const contact = randomUUID();
    await db.withTenant(tenantId, (em) => consumers.handleBatch([created(tenantId, contact, 1)], em, tenantId));
    const writes = await contactWrites(tenantId, (em) =>
      consumers.handleBatch([order(tenantId, randomUUID(), contact, 2, 'CANCELLED')], em, tenantId),
    );
    expect(writes).toEqual({ inserted: 0, updated: 0, hot: 0 });
  });

  it('updates a contact in place (HOT) when an older order changes only unindexed sums', async () => {
    const tenantId = randomUUID();
    const contact = randomUUID();
    await db.withTenant(tenantId, (em) => consumers.handleBatch([created(tenantId, contact, 1)], em, tenantId));
    await db.withTenant(tenantId, (em) => consumers.handleBatch([order(tenantId, randomUUID(), contact, 2, 'PLACED', 20)], em, tenantId));
    // An earlier purchase arrives late: the count and the first order move, the last order (indexed) does not.
    const writes = await contactWrites(tenantId, (em) =>
      consumers.handleBatch([order(tenantId, randomUUID(), contact, 3, 'PLACED', 5)], em, tenantId),
    );
    expect(writes).toEqual({ inserted: 0, updated: 1, hot: 1 });
  });

  it('applies a run of orders to the rows and results of its orders applied one by one', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const [o1, o2, o3] = [randomUUID(), randomUUID(), randomUUID()];
    const history = (tenantId: string) => [
      order(tenantId, o1, a, 10, 'PLACED', 3),
      order(tenantId, o2, b, 11, 'PLACED', 4),
      // o1 moves to b, then to c; an older record of it redelivered after that changes nothing.
      order(tenantId, o1, b, 12, 'PLACED', 3),
      order(tenantId, o1, c, 13, 'PLACED', 3),
      order(tenantId, o1, a, 11, 'CANCELLED', 3),
      // o2 recorded twice at the same time: the later one wins.
      order(tenantId, o2, b, 11, 'REFUNDED', 4),
      order(tenantId, o3, c, 14, 'PLACED', 6),
    ];
    const readModel = (tenantId: string) =>
      db.withTenant(tenantId, async (em) => ({
        contacts: await em.query(`SELECT id, first_order_at, last_order_at, orders_count FROM contacts WHERE tenant_id = $1 ORDER BY id`, [
          tenantId,
        ]),
        orders: await em.query(
          `SELECT order_id, contact_id, occurred_at, amount::text, status, recorded_at FROM contact_orders WHERE tenant_id = $1 ORDER BY order_id`,
          [tenantId],
        ),
      }));
    const survivors = (applied: { contactId: string | null }[]) => applied.map((x) => x.contactId);

    const batched = randomUUID();
    const oneByOne = randomUUID();
    for (const tenantId of [batched, oneByOne])
      await db.withTenant(tenantId, (em) =>
        consumers.handleBatch(
          [a, b, c].map((id) => created(tenantId, id, 1)),
          em,
          tenantId,
        ),
      );
    // A record stored before the run, which the run's first record of o1 replaces.
    for (const tenantId of [batched, oneByOne])
      await db.withTenant(tenantId, (em) => consumers.handleBatch([order(tenantId, o1, b, 5, 'PLACED', 2)], em, tenantId));

    const run = history(batched);
    const appliedBatched = await db.withTenant(batched, (em) => projector.applyRun(em, batched, { kind: 'ORDER', events: run }));
    const appliedOneByOne = [];
    for (const e of history(oneByOne)) appliedOneByOne.push(await db.withTenant(oneByOne, (em) => projector.apply(em, e)));

    expect(survivors(appliedBatched)).toEqual(survivors(appliedOneByOne));
    expect(survivors(appliedBatched)).toEqual([a, b, b, c, null, b, c]);
    const expected = await readModel(oneByOne);
    expect(await readModel(batched)).toEqual(expected);
    expect(expected.contacts.map((r: { id: string; orders_count: number }) => [r.id, r.orders_count]).sort()).toEqual(
      [
        [a, 0],
        [b, 0],
        [c, 2],
      ].sort(),
    );
  });
});
