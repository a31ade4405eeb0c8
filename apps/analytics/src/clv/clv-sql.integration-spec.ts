import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupByFrequencyRecency, groupBySpend, parseCdnowTransactions, summarizeTransactions } from '@rapport/clv';
import { scratchDatabase } from '@rapport/testing';
import { AnalyticsInitial1764200000000 } from '../migrations/1764200000000-analytics-initial';
import { AnalyticsClv1764300000000 } from '../migrations/1764300000000-analytics-clv';
import { AnalyticsGuestOrders1766310000000 } from '../migrations/1766310000000-analytics-guest-orders';
import { COHORT_RETENTION_SQL, REVENUE_BY_PERIOD_SQL } from '../retention/cohorts-sql';
import { groupedSummary } from './clv-summary-sql';

const CDNOW = join(__dirname, '..', '..', '..', '..', 'libs', 'clv', 'src', '__fixtures__', 'cdnow', 'CDNOW_sample.txt');
const contactOf = (sampleId: string) => `00000000-0000-4000-8000-${sampleId.padStart(12, '0')}`;

interface Row {
  /** null: a guest order. */
  contact: string | null;
  at: string;
  amount: number;
  currency?: string;
  status?: 'PLACED' | 'CANCELLED' | 'REFUNDED';
}

describe('CLV and cohort statements agree with libs/clv and with hand counts', () => {
  let db: Awaited<ReturnType<typeof scratchDatabase>>;

  beforeAll(async () => {
    db = await scratchDatabase('clv', [AnalyticsInitial1764200000000, AnalyticsClv1764300000000, AnalyticsGuestOrders1766310000000]);
  });
  afterAll(() => db?.drop());

  async function load(tenantId: string, rows: Row[]): Promise<void> {
    await db.tenantDb.withTenant(tenantId, (em) =>
      em.query(
        `INSERT INTO orders (id, tenant_id, source, external_order_id, contact_id, customer_contact_id, occurred_at, amount, currency, status)
         SELECT gen_random_uuid(), $1, 't', o.n::text, o.contact, o.contact, o.at, o.amount, o.currency, o.status
           FROM jsonb_to_recordset($2::jsonb) AS o(n int, contact uuid, at timestamptz, amount numeric, currency text, status text)`,
        [tenantId, JSON.stringify(rows.map((r, n) => ({ n, currency: 'USD', status: 'PLACED', ...r })))],
      ),
    );
  }

  it.each([
    ['WEEKS', 7],
    ['DAYS', 1],
  ] as const)('derives the CDNOW summary exactly as summarizeTransactions does (%s)', async (timeUnit, daysPerUnit) => {
    const tenantId = randomUUID();
    const transactions = parseCdnowTransactions(readFileSync(CDNOW, 'utf8'));
    await load(
      tenantId,
      transactions.map((t) => ({ contact: contactOf(t.customerId), at: t.at.toISOString(), amount: t.amount })),
    );
    const calibrationEnd = new Date('1997-09-30T00:00:00Z');
    const sql = await db.tenantDb.withTenant(tenantId, (em) =>
      groupedSummary(em, { tenantId, calibrationEnd, holdoutEnd: null, timeUnit, currency: 'USD' }),
    );
    const reference = summarizeTransactions(transactions, { calibrationEnd, daysPerUnit });
    expect(sql.customers).toBe(2357);
    const key = (x: number, tx: number, T: number) => `${x}|${tx.toFixed(9)}|${T.toFixed(9)}`;
    const want = new Map(groupByFrequencyRecency(reference).map((g) => [key(g.x, g.tx, g.T), g.weight]));
    const got = new Map(sql.frequencyRecency.map((g) => [key(g.x, g.txDays / daysPerUnit, g.tDays / daysPerUnit), g.customers]));
    expect(got).toEqual(want);
    const spend = (rows: { x: number; m: number; n: number }[]) => rows.map((r) => `${r.x}|${r.m.toFixed(6)}|${r.n}`).sort();
    expect(spend(sql.spend.map((s) => ({ x: s.x, m: s.m, n: s.customers })))).toEqual(
      spend(groupBySpend(reference.filter((r) => r.x > 0)).map((s) => ({ x: s.x, m: s.monetaryValue, n: s.weight }))),
    );
  });

  it('counts purchase days, not orders; refunds lower spend; cancelled orders and other currencies do not count as spend', async () => {
    const tenantId = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    await load(tenantId, [
      { contact: a, at: '2026-01-01T09:00:00Z', amount: 10 },
      { contact: a, at: '2026-01-08T09:00:00Z', amount: 20 },
      { contact: a, at: '2026-01-08T18:00:00Z', amount: 5 }, // same day: one purchase day of 25
      { contact: a, at: '2026-01-15T09:00:00Z', amount: 40 },
      { contact: a, at: '2026-01-16T09:00:00Z', amount: -15, status: 'REFUNDED' },
      { contact: a, at: '2026-01-20T09:00:00Z', amount: 999, status: 'CANCELLED' },
      { contact: a, at: '2026-01-22T09:00:00Z', amount: 30, currency: 'EUR' }, // a purchase, no spend in USD
      { contact: a, at: '2026-02-05T09:00:00Z', amount: 50 }, // hold-out
      { contact: b, at: '2026-01-31T23:59:00Z', amount: 10 }, // first purchase on the last calibration day
      { contact: b, at: '2026-02-01T00:00:00Z', amount: 10 }, // after calibration
    ]);
    const sql = await db.tenantDb.withTenant(tenantId, (em) =>
      groupedSummary(em, {
        tenantId,
        calibrationEnd: new Date('2026-01-31T00:00:00Z'),
        holdoutEnd: new Date('2026-02-28T00:00:00Z'),
        timeUnit: 'DAYS',
        currency: 'USD',
      }),
    );
    expect(sql.customers).toBe(2);
    expect(sql.frequencyRecency.sort((p, q) => p.x - q.x)).toEqual([
      { x: 0, txDays: 0, tDays: 0, customers: 1, holdoutPurchases: 1 },
      { x: 3, txDays: 21, tDays: 30, customers: 1, holdoutPurchases: 1 },
    ]);
    // Repeat spend: 25 + 40 − 15 (+ 0 USD on the EUR day) over 3 repeat days.
    expect(sql.spend).toEqual([{ x: 3, m: 50 / 3, customers: 1 }]);
  });

  it('builds the cohort retention matrix and revenue by period in one statement each', async () => {
    const tenantId = randomUUID();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await load(tenantId, [
      { contact: a, at: '2026-01-05T10:00:00Z', amount: 10 },
      { contact: a, at: '2026-02-05T10:00:00Z', amount: 20 },
      { contact: a, at: '2026-04-05T10:00:00Z', amount: 30 },
      { contact: b, at: '2026-01-20T10:00:00Z', amount: 40 },
      { contact: b, at: '2026-01-25T10:00:00Z', amount: -5, status: 'REFUNDED' },
      { contact: b, at: '2026-03-20T10:00:00Z', amount: 10 },
      { contact: c, at: '2026-02-10T10:00:00Z', amount: 15 },
      { contact: c, at: '2026-02-11T10:00:00Z', amount: 15, status: 'CANCELLED' },
      // A guest order: revenue and an order of February and its quarter, in no cohort and for no customer.
      { contact: null, at: '2026-02-15T10:00:00Z', amount: 7 },
    ]);
    const cohorts = await db.tenantDb.withTenant(tenantId, (em) =>
      em.query(COHORT_RETENTION_SQL, [tenantId, '2026-01-01T00:00:00Z', '2026-05-01T00:00:00Z']),
    );
    expect(cohorts).toEqual([
      { cohort: '2026-01', size: 2, guestOrders: 0, retention: [0.5, 0.5, 0.5] },
      { cohort: '2026-02', size: 1, guestOrders: 1, retention: [0, 0] },
    ]);
    const revenue = await db.tenantDb.withTenant(tenantId, (em) =>
      em.query(REVENUE_BY_PERIOD_SQL, [tenantId, '2026-01-01T00:00:00Z', '2026-07-01T00:00:00Z', 'quarter', 'USD']),
    );
    expect(
      revenue.map((r: { period: string; revenue: string; orders: number; customers: number }) => [
        r.period,
        r.revenue,
        r.orders,
        r.customers,
      ]),
    ).toEqual([
      ['2026-Q1', '97.0000', 6, 3],
      ['2026-Q2', '30.0000', 1, 1],
    ]);
  });
});
