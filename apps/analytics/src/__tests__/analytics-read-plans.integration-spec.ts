import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { purchaseModels } from '@rapport/clv';
import { ServiceDatabase, type StartedService } from '@rapport/service-kit';
import { startService } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import { scoreGroups } from '../clv/clv-scoring';
import { scoreCustomers } from '../clv/clv-scoring-sql';
import { DEFAULT_CLV_TIERS } from '../clv/clv-settings';
import { dominantCurrency, groupedSummary } from '../clv/clv-summary-sql';
import { ClvService } from '../clv/clv.service';
import { OrdersService } from '../orders/orders.service';
import { RetentionService } from '../retention/retention.service';
import { recomputeRfmScores } from '../rfm/rfm-sql';
import { RfmService } from '../rfm/rfm.service';
import { analyzedTables, explainServiceQueries, quadraticNodes, seedCustomersAndOrders, type ExplainedStatement } from './query-plans';

const CUSTOMERS = 20_000;
const AS_OF = new Date('2026-06-30T12:00:00Z');
const BG_NBD = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
/** The tables the read queries below touch; none may have planner statistics while they are explained. */
const TABLES = ['orders', 'contacts', 'customer_values', 'rfm_scores', 'clv_models', 'clv_settings', 'rfm_settings'];

/**
 * Issue 16 item 4, "every analytics query robust without planner
 * statistics", for the read queries a user calls on a big tenant (the
 * scoring statements, cohortRetention and the RFM recompute are in
 * clv-scoring-scale): 20,000 customers (≈ 80,000 orders), their CLV scores
 * and RFM cells, written by plain statements so nothing ever ANALYZEs the
 * tables (asserted), and every statement the services run for
 * revenueByPeriod, the CLV fit's summary, compareClvModels, topCustomers,
 * worstCustomers, cantLoseThem, rfmSegments and the orders listing is
 * EXPLAIN ANALYZEd as it runs: none may plan a customer × customer join.
 * (fitRetention runs no SQL: it fits the survivor counts it is given.)
 */
describe('analytics: read queries on 20,000 customers without planner statistics (EXPLAIN ANALYZE)', () => {
  let analytics: StartedService;
  let ds: DataSource;
  let db: ServiceDatabase;
  let orders: number;
  const tenantId = randomUUID();
  const admin: Principal = { kind: 'user', tenantId, id: randomUUID(), roles: ['admin'], scopes: [], contactId: null };
  const rows = (sql: string, params: unknown[] = []) => ds.query(sql, [tenantId, ...params]);

  /** Runs `call` with every statement explained; returns what it returned and the statements. */
  async function explained<T>(call: () => Promise<T>): Promise<{ result: T; statements: ExplainedStatement[] }> {
    const capture = explainServiceQueries(db);
    try {
      return { result: await call(), statements: capture.statements };
    } finally {
      capture.stop();
    }
  }

  function expectLinear(statements: ExplainedStatement[]): void {
    expect(statements.length).toBeGreaterThan(0);
    for (const { sql, plan } of statements) {
      const head = sql.replace(/\s+/g, ' ').trim().slice(0, 100);
      expect({ sql: head, problems: quadraticNodes(plan, orders) }).toEqual({ sql: head, problems: [] });
    }
  }

  beforeAll(async () => {
    // A schema of its own: no other suite's writes (or their ANALYZE after bulk writes) touch these tables.
    const own = `readplans_${process.env.RAPPORT_TEST_RUN_ID}`;
    analytics = await startService(AnalyticsAppModule, analyticsDefinition, {
      DB_SCHEMA_SUFFIX: own,
      NATS_SUBJECT_PREFIX: own,
      NATS_STREAM_SUFFIX: own,
      REDIS_PREFIX: `${process.env.REDIS_PREFIX}:readplans`,
    });
    ds = analytics.app.get(DataSource);
    db = analytics.app.get(ServiceDatabase);
    orders = await seedCustomersAndOrders(rows, CUSTOMERS, AS_OF);
    // Scores and RFM cells written by the statements the engine and the recompute use, without the services'
    // ANALYZE after a bulk write (ADR 055), as a tenant has them before its statistics catch up.
    const modelId = randomUUID();
    await rows(
      `INSERT INTO clv_models (id, tenant_id, request_key, status, time_unit, calibration_end, holdout_end, kind, as_of, currency,
                               purchase_model, gamma_gamma, finished_at, activated_at)
       VALUES ($2, $1, $6, 'FITTED', 'WEEKS', '2025-12-31', '2026-06-30', 'BG_NBD', $3, 'EUR', $4::jsonb, $5::jsonb, now(), now())`,
      [
        modelId,
        AS_OF.toISOString(),
        JSON.stringify({ params: BG_NBD, logLikelihood: -1000 }),
        JSON.stringify({ params: { p: 6.2488, q: 3.7446, gamma: 15.4477 } }),
        `readplans-${modelId}`,
      ],
    );
    await rows(`INSERT INTO clv_settings (tenant_id, active_model_id) VALUES ($1, $2)`, [modelId]);
    await db.withTenant(tenantId, async (em) => {
      const scored = await scoreCustomers(
        em,
        {
          tenantId,
          modelId,
          timeUnit: 'WEEKS',
          currency: 'EUR',
          asOf: AS_OF,
          contactIds: null,
          gammaGamma: { p: 6.2488, q: 3.7446, gamma: 15.4477 },
          tiers: DEFAULT_CLV_TIERS,
        },
        (groups) => scoreGroups(purchaseModels.BG_NBD, BG_NBD, groups, 7),
      );
      expect(scored.scored).toBe(CUSTOMERS);
      // Every customer bought in the two years before asOf: a window one day longer takes them all in.
      const rfm = await recomputeRfmScores(em, { tenantId, asOf: AS_OF, windowDays: 731, currency: 'EUR' });
      expect(rfm.customersScored).toBe(CUSTOMERS);
    });
    expect(await analyzedTables(ds, TABLES)).toEqual([]);
  });

  afterAll(() => analytics?.close());

  // Each test ends by checking that nothing analyzed the tables meanwhile: the plans were made without statistics.
  afterEach(async () => expect(await analyzedTables(ds, TABLES)).toEqual([]));

  it('revenueByPeriod (months and quarters over the two years)', async () => {
    const retention = analytics.app.get(RetentionService);
    const from = new Date('2024-06-01T00:00:00Z');
    const to = new Date('2026-07-01T00:00:00Z');
    const months = await explained(() => retention.revenueByPeriod(admin, 'MONTH', from, to));
    expect(months.result).toHaveLength(25);
    expect(months.result.reduce((n, p) => n + p.orders, 0)).toBe(orders);
    expectLinear(months.statements);
    const quarters = await explained(() => retention.revenueByPeriod(admin, 'QUARTER', from, to));
    expect(quarters.result).toHaveLength(9);
    expectLinear(quarters.statements);
  });

  it("the CLV fit's grouped summary, as the fit job reads it, and compareClvModels on the hold-out", async () => {
    const summary = await explained(() =>
      db.withTenant(tenantId, async (em) =>
        groupedSummary(em, {
          tenantId,
          calibrationEnd: new Date('2025-12-31T00:00:00Z'),
          holdoutEnd: new Date('2026-06-30T00:00:00Z'),
          timeUnit: 'WEEKS',
          currency: await dominantCurrency(em, tenantId),
        }),
      ),
    );
    expect(summary.result.customers).toBeGreaterThan(CUSTOMERS / 2);
    expect(summary.statements).toHaveLength(2);
    expectLinear(summary.statements);

    const clv = analytics.app.get(ClvService);
    const [{ id }] = await rows(`SELECT id FROM clv_models WHERE tenant_id = $1`);
    const comparison = await explained(() => clv.compare(admin, [id]));
    expect(comparison.result[0].customers).toBe(summary.result.customers);
    expectLinear(comparison.statements);
  });

  it('topCustomers, worstCustomers and cantLoseThem', async () => {
    const clv = analytics.app.get(ClvService);
    for (const [name, ranking] of [
      ['topCustomers', () => clv.topCustomers(admin, 100)],
      ['worstCustomers', () => clv.worstCustomers(admin, 100)],
      ['cantLoseThem', () => clv.cantLoseThem(admin, 100)],
    ] as const) {
      const { result, statements } = await explained(ranking);
      expect({ name, customers: result.length }).toEqual({ name, customers: 100 });
      expectLinear(statements);
    }
  });

  it('rfmSegments', async () => {
    const { result, statements } = await explained(() => analytics.app.get(RfmService).segments(admin));
    expect(result.reduce((n, s) => n + s.customers, 0)).toBe(CUSTOMERS);
    expectLinear(statements);
  });

  it("orders: the tenant's pages forwards and backwards, and one customer's", async () => {
    const list = analytics.app.get(OrdersService);
    const first = await explained(() => list.list(admin, { first: 100 }));
    expect(first.result.edges).toHaveLength(100);
    expectLinear(first.statements);
    const next = await explained(() => list.list(admin, { first: 100, after: first.result.pageInfo.endCursor }));
    expect(next.result.edges).toHaveLength(100);
    expectLinear(next.statements);
    const last = await explained(() => list.list(admin, { last: 100 }));
    expect(last.result.edges).toHaveLength(100);
    expectLinear(last.statements);
    const contactId = '00000000-0000-4000-8000-000000000001';
    const own = await explained(() => list.list(admin, { contactId, first: 100 }));
    expect(own.result.edges.length).toBeGreaterThan(0);
    expectLinear(own.statements);
  });
});
