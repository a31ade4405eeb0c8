import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import { purchaseModels } from '@rapport/clv';
import type { StartedService } from '@rapport/service-kit';
import { startService, eventuallyWithin } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import { ClvEngine } from '../clv/clv-engine';
import { scoreGroups } from '../clv/clv-scoring';
import type { ClvScoringRunView } from '../clv/clv-scoring-runs';
import { scoreCustomers } from '../clv/clv-scoring-sql';
import { DEFAULT_CLV_TIERS } from '../clv/clv-settings';
import { ClvService } from '../clv/clv.service';
import { COHORT_RETENTION_SQL } from '../retention/cohorts-sql';
import { RECOMPUTE_RFM_SQL } from '../rfm/rfm-sql';
import { plan, quadraticNodes, seedCustomersAndOrders, type PlanNode } from './query-plans';

const CUSTOMERS = 20_000;
const AS_OF = new Date('2026-06-30T12:00:00Z');

/**
 * Issue 16 item 4 on 20,000 customers (≈ 80,000 orders) in a tenant whose
 * tables were never ANALYZEd (this machine runs Postgres with autovacuum
 * off, like any database right after a bulk load): a full scoring is
 * observable through clvScoringRun until done = total, and neither the
 * scoring statements nor cohortRetention nor the RFM recompute plan a
 * customer × customer join.
 */
describe('analytics: linear-time, observable CLV scoring (20,000 customers, no planner statistics)', () => {
  let analytics: StartedService;
  let ds: DataSource;
  let clv: ClvService;
  let orders: number;
  const tenantId = randomUUID();
  const admin: Principal = { kind: 'user', tenantId, id: randomUUID(), roles: ['admin'], scopes: [], contactId: null };
  const rows = (sql: string, params: unknown[] = []) => ds.query(sql, [tenantId, ...params]);

  const eventually = eventuallyWithin({ timeoutMs: 120_000, intervalMs: 20 });

  /** Polls clvScoringRun until `until` holds, keeping every state seen. */
  async function watchRun(until: (run: ClvScoringRunView | null) => boolean): Promise<ClvScoringRunView[]> {
    const seen: ClvScoringRunView[] = [];
    await eventually(async () => {
      const run = await clv.scoringRun(admin);
      if (run) seen.push(run);
      return run;
    }, until);
    return seen;
  }

  beforeAll(async () => {
    // Names of its own (schema, streams, subjects, queues): the scores of 20,000 customers on the run's shared streams
    // would hold up every later suite's consumers (value-one-owner waited 70 s behind them).
    const own = `scale_${process.env.RAPPORT_TEST_RUN_ID}`;
    analytics = await startService(AnalyticsAppModule, analyticsDefinition, {
      ANALYTICS_RFM_DELAY_MS: '0',
      DB_SCHEMA_SUFFIX: own,
      NATS_SUBJECT_PREFIX: own,
      NATS_STREAM_SUFFIX: own,
      REDIS_PREFIX: `${process.env.REDIS_PREFIX}:scale`,
    });
    ds = analytics.app.get(DataSource);
    clv = analytics.app.get(ClvService);
    orders = await seedCustomersAndOrders(rows, CUSTOMERS, AS_OF);
  });

  afterAll(() => analytics?.close());

  it('shows a full scoring through clvScoringRun: RUNNING with the total, then SUCCEEDED with done = total', async () => {
    // The fitting is tested elsewhere (libs/clv, clv-models): here a FITTED BG/NBD model with the
    // CDNOW parameters is made active directly, and scored as the scoring job would.
    const modelId = randomUUID();
    await rows(
      `INSERT INTO clv_models (id, tenant_id, request_key, status, time_unit, calibration_end, kind, as_of, currency,
                               purchase_model, gamma_gamma, finished_at, activated_at)
       VALUES ($2, $1, $6, 'FITTED', 'WEEKS', '2026-03-31', 'BG_NBD', $3, 'EUR', $4::jsonb, $5::jsonb, now(), now())`,
      [
        modelId,
        AS_OF.toISOString(),
        JSON.stringify({ params: { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 } }),
        JSON.stringify({ params: { p: 6.2488, q: 3.7446, gamma: 15.4477 } }),
        `scale-${modelId}`,
      ],
    );
    await rows(`INSERT INTO clv_settings (tenant_id, active_model_id) VALUES ($1, $2)`, [modelId]);
    const engine = analytics.app.get(ClvEngine);
    expect(await clv.scoringRun(admin)).toBeNull();
    const started = Date.now();
    await expect(engine.score(tenantId, null)).resolves.toMatchObject({ modelId, scored: CUSTOMERS, removed: 0 });
    console.log(`full scoring of ${CUSTOMERS} customers (first: every customer announced): ${Date.now() - started} ms`);
    const first = await clv.scoringRun(admin);
    expect(first).toMatchObject({ modelId, status: 'SUCCEEDED', done: CUSTOMERS, total: CUSTOMERS, error: null, asOf: '2026-06-30' });
    const [{ n, tiered }] = await rows(
      `SELECT count(*)::int AS n, count(tier)::int AS tiered FROM customer_values WHERE tenant_id = $1 AND model_id = $2`,
      [modelId],
    );
    expect({ n, tiered }).toEqual({ n: CUSTOMERS, tiered: CUSTOMERS });

    // A rescoring in chunks of 2,500: watched while it runs, done only grows and ends at total.
    const before = first!.id;
    const rescoreStarted = Date.now();
    const scoring = engine
      .score(tenantId, null, { chunkSize: 2_500 })
      .finally(() => console.log(`full rescoring of ${CUSTOMERS} customers (nothing changed): ${Date.now() - rescoreStarted} ms`));
    const seen = await watchRun((run) => run !== null && run.id !== before && run.status !== 'RUNNING');
    const outcome = await scoring;
    expect(outcome).toMatchObject({ scored: CUSTOMERS, removed: 0 });
    const states = seen.filter((r) => r.id !== before);
    expect(states.at(-1)).toMatchObject({ status: 'SUCCEEDED', done: CUSTOMERS, total: CUSTOMERS });
    expect(states.some((r) => r.status === 'RUNNING')).toBe(true);
    const done = states.map((r) => r.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    for (const r of states) if (r.total !== null) expect(r.total).toBe(CUSTOMERS);
  });

  it('plans every scoring statement without a customer × customer join (EXPLAIN ANALYZE)', async () => {
    const runner = ds.createQueryRunner();
    await runner.startTransaction();
    const plans: { sql: string; plan: PlanNode }[] = [];
    try {
      const em = runner.manager;
      // Every DML or query statement of the scoring is explained first (in a savepoint), then run as usual.
      const explaining = new Proxy(em, {
        get(target, property, receiver) {
          if (property !== 'query') return Reflect.get(target, property, receiver);
          return async (sql: string, params?: unknown[]) => {
            if (/^\s*(WITH|SELECT|INSERT|DELETE)/i.test(sql)) plans.push({ sql, plan: await plan(target, sql, params ?? []) });
            return target.query(sql, params);
          };
        },
      });
      const params = { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 };
      const result = await scoreCustomers(
        explaining,
        {
          tenantId,
          modelId: randomUUID(),
          timeUnit: 'WEEKS',
          currency: 'EUR',
          asOf: AS_OF,
          contactIds: null,
          gammaGamma: { p: 6.25, q: 3.74, gamma: 15.4 },
          tiers: DEFAULT_CLV_TIERS,
        },
        (groups) => scoreGroups(purchaseModels.BG_NBD, params, groups, 7),
      );
      expect(result.scored).toBe(CUSTOMERS);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(plans.length).toBeGreaterThanOrEqual(4);
    for (const { sql, plan: p } of plans)
      expect({ sql: sql.slice(0, 80), problems: quadraticNodes(p, orders) }).toEqual({ sql: sql.slice(0, 80), problems: [] });
  });

  it('plans cohortRetention and the RFM recompute without a customer × customer join', async () => {
    const runner = ds.createQueryRunner();
    await runner.startTransaction();
    try {
      const cohorts = await plan(runner.manager, COHORT_RETENTION_SQL, [tenantId, '2024-07-01T00:00:00Z', '2026-07-01T00:00:00Z']);
      expect(quadraticNodes(cohorts, orders)).toEqual([]);
      const rfm = await plan(runner.manager, RECOMPUTE_RFM_SQL, [tenantId, AS_OF.toISOString(), 730, 'EUR', JSON.stringify([])]);
      expect(quadraticNodes(rfm, orders)).toEqual([]);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
