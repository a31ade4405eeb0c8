import { randomUUID } from 'node:crypto';
import { scoreRfm, segmentFor, type RfmInput } from '@rapport/clv';
import { scratchDatabase } from '@rapport/testing';
import { AnalyticsInitial1764200000000 } from '../migrations/1764200000000-analytics-initial';
import { recomputeRfmScores } from './rfm-sql';

const DAY = 86_400_000;
const asOf = new Date('2026-06-30T12:00:00.000Z');

interface TestOrder {
  contactId: string | null;
  occurredAt: Date;
  cents: number;
  currency: string;
  status: 'PLACED' | 'CANCELLED' | 'REFUNDED';
}

/** Deterministic pseudo-random numbers (a failing case can be replayed). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

/** Customers with many ties (one-time buyers, same-day and same-amount purchases), refunds, noise. */
function generate(customers: number, seed: number): TestOrder[] {
  const rnd = lcg(seed);
  const orders: TestOrder[] = [];
  for (let c = 0; c < customers; c++) {
    const contactId = randomUUID();
    const count = rnd() < 0.5 ? 1 : 1 + Math.floor(rnd() * 7);
    for (let i = 0; i < count; i++) {
      const daysAgo = Math.floor(rnd() * 500); // some fall outside the 365-day window
      const cents = rnd() < 0.3 ? 5000 : 100 + Math.floor(rnd() * 50_000);
      orders.push({
        contactId,
        occurredAt: new Date(asOf.getTime() - daysAgo * DAY - Math.floor(rnd() * 20) * 3600_000),
        cents,
        currency: 'EUR',
        status: 'PLACED',
      });
      if (rnd() < 0.1)
        orders.push({
          contactId,
          occurredAt: new Date(asOf.getTime() - daysAgo * DAY + 3600_000),
          cents: -Math.floor(cents / 2),
          currency: 'EUR',
          status: 'REFUNDED',
        });
      if (rnd() < 0.05)
        orders.push({
          contactId,
          occurredAt: new Date(asOf.getTime() - daysAgo * DAY),
          cents: 99_999,
          currency: 'EUR',
          status: 'CANCELLED',
        });
      if (rnd() < 0.05)
        orders.push({ contactId, occurredAt: new Date(asOf.getTime() - daysAgo * DAY), cents: 7000, currency: 'USD', status: 'PLACED' });
    }
  }
  orders.push({ contactId: null, occurredAt: new Date(asOf.getTime() - DAY), cents: 1000, currency: 'EUR', status: 'PLACED' }); // unmatched
  return orders;
}

/** The same summary, computed naively in JS, scored by libs/clv. */
function expected(orders: TestOrder[], windowDays: number) {
  const from = asOf.getTime() - windowDays * DAY;
  const per = new Map<string, { last: number; frequency: number; cents: number }>();
  for (const o of orders) {
    const t = o.occurredAt.getTime();
    if (!o.contactId || o.status === 'CANCELLED' || t <= from || t > asOf.getTime()) continue;
    const p = per.get(o.contactId) ?? { last: -Infinity, frequency: 0, cents: 0 };
    if (o.status === 'PLACED') {
      p.frequency++;
      p.last = Math.max(p.last, t);
    }
    if (o.currency === 'EUR') p.cents += o.cents;
    per.set(o.contactId, p);
  }
  const rows: RfmInput[] = [...per]
    .filter(([, p]) => p.frequency > 0)
    .map(([customerId, p]) => ({
      customerId,
      recency: Math.floor((asOf.getTime() - p.last) / DAY),
      frequency: p.frequency,
      monetary: p.cents / 100,
    }));
  const inputs = new Map(rows.map((r) => [r.customerId, r]));
  return scoreRfm(rows).scores.map((s) => ({
    contactId: s.customerId,
    recency: inputs.get(s.customerId)!.recency,
    frequency: inputs.get(s.customerId)!.frequency,
    monetary: inputs.get(s.customerId)!.monetary,
    r: s.recency,
    f: s.frequency,
    m: s.monetary,
    segment: segmentFor({ recency: s.recency, frequency: s.frequency })!.key,
  }));
}

describe('RFM in SQL agrees with libs/clv scoreRfm', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;
  const tenantId = randomUUID();
  const orders = generate(400, 42);

  beforeAll(async () => {
    db = await scratchDatabase('rfm', [AnalyticsInitial1764200000000]);
    await db.tenantDb.withTenant(tenantId, (em) =>
      em.query(
        `INSERT INTO orders (id, tenant_id, source, external_order_id, contact_id, customer_contact_id, occurred_at, amount, currency, status)
         SELECT gen_random_uuid(), $1, 'test', o.n::text, o.contact_id, coalesce(o.contact_id, gen_random_uuid()), o.occurred_at, o.cents / 100.0, o.currency, o.status
           FROM jsonb_to_recordset($2::jsonb) AS o(n int, contact_id uuid, occurred_at timestamptz, cents bigint, currency text, status text)`,
        [
          tenantId,
          JSON.stringify(
            orders.map((o, n) => ({
              n,
              contact_id: o.contactId,
              occurred_at: o.occurredAt,
              cents: o.cents,
              currency: o.currency,
              status: o.status,
            })),
          ),
        ],
      ),
    );
  });

  afterAll(() => db?.drop());

  const stored = () =>
    db.tenantDb.withTenant(tenantId, (em) =>
      em.query(`SELECT contact_id, recency_days, frequency, monetary::float8 AS monetary, currency, r, f, m, segment_key FROM rfm_scores`),
    ) as Promise<
      {
        contact_id: string;
        recency_days: number;
        frequency: number;
        monetary: number;
        currency: string;
        r: number;
        f: number;
        m: number;
        segment_key: string;
      }[]
    >;

  it.each([365, 90])('scores every customer exactly as scoreRfm does (window %p days)', async (windowDays) => {
    const result = await db.tenantDb.withTenant(tenantId, (em) => recomputeRfmScores(em, { tenantId, asOf, windowDays, currency: null }));
    const want = expected(orders, windowDays);
    expect(result.currency).toBe('EUR');
    expect(want.length).toBeGreaterThan(50);
    expect(result.customersScored).toBe(want.length);
    const got = new Map((await stored()).map((row) => [row.contact_id, row]));
    expect(got.size).toBe(want.length);
    for (const w of want) {
      const g = got.get(w.contactId)!;
      expect({
        contactId: w.contactId,
        recency: g.recency_days,
        frequency: g.frequency,
        monetary: g.monetary,
        r: g.r,
        f: g.f,
        m: g.m,
        segment: g.segment_key,
      }).toEqual(w);
    }
    // The data really exercises the tie rule: many customers share values, and every score occurs.
    expect(new Set(want.map((w) => w.f)).size).toBeGreaterThan(1);
    expect(want.filter((w) => w.frequency === 1).length).toBeGreaterThan(want.length / 4);
  });

  it('removes scores of customers who left the window, in the same statement', async () => {
    await db.tenantDb.withTenant(tenantId, (em) => recomputeRfmScores(em, { tenantId, asOf, windowDays: 365, currency: null }));
    const before = (await stored()).length;
    const result = await db.tenantDb.withTenant(tenantId, (em) =>
      recomputeRfmScores(em, { tenantId, asOf, windowDays: 30, currency: 'USD' }),
    );
    expect(result.customersScored).toBe(expected(orders, 30).length);
    expect(result.customersRemoved).toBe(before - result.customersScored);
    expect(new Set((await stored()).map((s) => s.currency))).toEqual(new Set(['USD']));
  });
});
