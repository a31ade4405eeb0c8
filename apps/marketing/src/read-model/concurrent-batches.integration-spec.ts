import { randomUUID } from 'node:crypto';
import {
  CONTACT_CREATED,
  CONTACT_DELETED,
  CONTACT_UPDATED,
  CUSTOMER_TIER_CHANGED,
  ORDER_RECORDED,
  type ContactSnapshotV1,
  type EventEnvelope,
  type OrderRecordedDataV1,
} from '@rapport/contracts';
import { ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { historyEvents, minuteOf } from '../__tests__/history-events';
import { MarketingAppModule } from '../app.module';
import { marketingDefinition } from '../marketing.definition';
import { MarketingConsumers } from './marketing-consumers';

/** Minutes apart, in stream order. */
const at = minuteOf(4);

/**
 * Two marketing replicas (or two of one replica's durables) apply batches
 * of one tenant at the same time, each in its own transaction (ADR 062 saw
 * them deadlock on `contacts`). A batch writes its contacts run after run,
 * so two batches that name the same contacts in a different order of runs
 * took their row locks in opposite orders. Here a sales batch (updates of P,
 * a deletion, updates of Q) and an analytics batch (tiers of Q, orders of P)
 * run at once, as two consumers would: both must commit (ADR 069), and the
 * rows must be what applying them one after the other gives.
 */
describe('marketing read model: two batches of one tenant at once', () => {
  let marketing: StartedService;
  let db: ServiceDatabase;
  let consumers: MarketingConsumers;

  beforeAll(async () => {
    marketing = await startService(MarketingAppModule, marketingDefinition);
    db = marketing.app.get(ServiceDatabase);
    consumers = marketing.app.get(MarketingConsumers);
  });

  afterAll(() => marketing?.close());

  const N = 100;

  function events(tenantId: string) {
    const event = historyEvents(tenantId, at);
    const contact = (id: string, minute: number, lastName: string): ContactSnapshotV1 => ({
      id,
      accountId: null,
      ownerId: null,
      firstName: 'Concurrent',
      lastName,
      emails: [`${id.slice(-12)}@concurrent.test`],
      phones: [],
      externalIds: [],
      createdAt: at(0),
      updatedAt: at(minute),
    });
    const order = (contactId: string, minute: number) => {
      const orderId = randomUUID();
      return event(ORDER_RECORDED, minute, orderId, {
        orderId,
        source: 'shop',
        externalOrderId: orderId.slice(0, 8),
        contactId,
        occurredAt: at(minute),
        amount: '10.00',
        currency: 'EUR',
        status: 'PLACED',
        channel: null,
        change: 'CREATED',
      } satisfies Partial<OrderRecordedDataV1>);
    };
    const p = Array.from({ length: N }, () => randomUUID());
    const q = Array.from({ length: N }, () => randomUUID());
    const gone = randomUUID();
    const seed = [...p, ...q, gone].map((id) => event(CONTACT_CREATED, 1, id, { contact: contact(id, 1, 'Seeded') }));
    const sales = [
      ...p.map((id) => event(CONTACT_UPDATED, 2, id, { contact: contact(id, 2, 'Updated') })),
      event(CONTACT_DELETED, 2, gone, { id: gone, deletionId: randomUUID(), deletedAt: at(2) }),
      ...q.map((id) => event(CONTACT_UPDATED, 2, id, { contact: contact(id, 2, 'Updated') })),
    ];
    const analytics = [
      ...q.map((id) =>
        event(CUSTOMER_TIER_CHANGED, 3, id, {
          contactId: id,
          previousTier: null,
          tier: 'gold',
          clv: { amount: '900.00', currency: 'EUR' },
        }),
      ),
      ...p.map((id) => order(id, 3)),
    ];
    return { p, q, seed, sales, analytics };
  }

  const apply = (tenantId: string, batch: EventEnvelope[]) => db.withTenant(tenantId, (em) => consumers.handleBatch(batch, em, tenantId));

  it('both commit, and the rows are those of the batches applied one after the other', async () => {
    // Several rounds: a deadlock needs both batches past their first run before either reaches its second.
    for (let round = 0; round < 3; round++) {
      const tenantId = randomUUID();
      const { p, q, seed, sales, analytics } = events(tenantId);
      await apply(tenantId, seed);
      const outcomes = await Promise.allSettled([apply(tenantId, sales), apply(tenantId, analytics)]);
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);

      const rows: { id: string; last_name: string; tier: string | null; orders_count: number; deleted: boolean }[] = await db.withTenant(
        tenantId,
        (em) =>
          em.query(`SELECT id, last_name, tier, orders_count, deleted_at IS NOT NULL AS deleted FROM contacts WHERE tenant_id = $1`, [
            tenantId,
          ]),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(rows).toHaveLength(2 * N + 1);
      for (const id of p) expect(byId.get(id)).toMatchObject({ last_name: 'Updated', tier: null, orders_count: 1, deleted: false });
      for (const id of q) expect(byId.get(id)).toMatchObject({ last_name: 'Updated', tier: 'gold', orders_count: 0, deleted: false });
      expect(rows.filter((r) => r.deleted)).toHaveLength(1);
    }
  });

  /** Runs `first` in a transaction held open until `second` has settled (or `limitMs` passed), then commits it. */
  async function whileOpen(tenantId: string, first: EventEnvelope[], second: () => Promise<unknown>, limitMs = 15_000) {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let applied!: () => void;
    const firstApplied = new Promise<void>((resolve) => (applied = resolve));
    const firstDone = db.withTenant(tenantId, async (em) => {
      await consumers.handleBatch(first, em, tenantId);
      applied();
      await held;
    });
    await firstApplied;
    const outcome = await Promise.race([
      second().then(() => 'committed' as const),
      new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), limitMs)),
    ]);
    release();
    await firstDone;
    return outcome;
  }

  it('a batch naming other contacts of the tenant commits while another batch is still open', async () => {
    const tenantId = randomUUID();
    const { p, q, seed, sales, analytics } = events(tenantId);
    await apply(tenantId, seed);
    // Sales touches P's updates only; analytics only Q's tiers: no contact in common.
    const salesOfP = sales.slice(0, N);
    const tiersOfQ = analytics.slice(0, N);
    expect(await whileOpen(tenantId, salesOfP, () => apply(tenantId, tiersOfQ))).toBe('committed');
    const rows: { id: string; last_name: string; tier: string | null }[] = await db.withTenant(tenantId, (em) =>
      em.query(`SELECT id, last_name, tier FROM contacts WHERE tenant_id = $1`, [tenantId]),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of p) expect(byId.get(id)).toMatchObject({ last_name: 'Updated', tier: null });
    for (const id of q) expect(byId.get(id)).toMatchObject({ last_name: 'Seeded', tier: 'gold' });
  });

  it('a batch naming a contact another open batch holds waits for it, then applies on top', async () => {
    const tenantId = randomUUID();
    const { p, seed, sales, analytics } = events(tenantId);
    await apply(tenantId, seed);
    const ordersOfP = analytics.slice(N);
    let second: Promise<unknown> = Promise.resolve();
    const outcome = await whileOpen(tenantId, sales.slice(0, N), () => (second = apply(tenantId, ordersOfP)), 2_000);
    expect(outcome).toBe('waited');
    await second;
    const rows: { last_name: string; orders_count: number }[] = await db.withTenant(tenantId, (em) =>
      em.query(`SELECT last_name, orders_count FROM contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, p]),
    );
    expect(rows).toHaveLength(N);
    for (const row of rows) expect(row).toMatchObject({ last_name: 'Updated', orders_count: 1 });
  });

  it('two batches creating the same new contacts at once both commit', async () => {
    for (let round = 0; round < 3; round++) {
      const tenantId = randomUUID();
      const { p, q, sales, analytics } = events(tenantId);
      // Nothing seeded: the sales batch creates P and Q while the analytics batch makes placeholders for them.
      const creations = [...p, ...q].map((_, i) => ({ ...sales[i < N ? i : i + 1], type: CONTACT_CREATED }));
      const outcomes = await Promise.allSettled([apply(tenantId, creations), apply(tenantId, [...analytics].reverse())]);
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
      const rows: { id: string; last_name: string; tier: string | null; orders_count: number }[] = await db.withTenant(tenantId, (em) =>
        em.query(`SELECT id, last_name, tier, orders_count FROM contacts WHERE tenant_id = $1`, [tenantId]),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      expect(rows).toHaveLength(2 * N);
      for (const id of p) expect(byId.get(id)).toMatchObject({ last_name: 'Updated', orders_count: 1 });
      for (const id of q) expect(byId.get(id)).toMatchObject({ last_name: 'Updated', tier: 'gold' });
    }
  });
});
