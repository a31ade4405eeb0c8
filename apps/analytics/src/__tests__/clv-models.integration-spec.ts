import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { StartedService } from '@rapport/service-kit';
import { startService, eventuallyWithin } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import { contactOf, loadCdnowTenant } from './cdnow-tenant';
import type { ClvModelRecord } from '../clv/clv-model';
import { clvFor, ClvService, expectedPurchasesFor } from '../clv/clv.service';
import { RfmService } from '../rfm/rfm.service';

/** Fader, Hardie & Lee's published Pareto/NBD fit of the CDNOW sample (weeks, calibration to 1997-09-30). */
const PARETO_NBD = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };

const AS_OF = new Date('1998-06-30T23:59:59Z');

/**
 * Issue 16 on the reference data with its own 1997–98 dates: scores as of
 * 1998-06-30, models that let one-time buyers churn, validation before
 * activation, explicit activation, a comparison on the hold-out, scoring
 * failures and a refused spend model.
 */
describe('analytics: validated CLV models of any kind, as of a date (CDNOW 1997–98)', () => {
  let analytics: StartedService;
  let ds: DataSource;
  let clv: ClvService;
  const tenantId = randomUUID();
  const admin: Principal = { kind: 'user', tenantId, id: randomUUID(), roles: ['admin'], scopes: [], contactId: null };
  let pareto: ClvModelRecord;
  let mbg: ClvModelRecord;

  const rows = (sql: string, params: unknown[] = []) => ds.query(sql, [tenantId, ...params]);

  const eventually = eventuallyWithin({ timeoutMs: 30_000 });

  const finished = (id: string) =>
    eventually(
      async () => (await clv.models(admin, 100)).find((m) => m.id === id)!,
      (m) => !['QUEUED', 'RUNNING'].includes(m.status),
    );
  const modelOf = async (id: string) => (await clv.models(admin, 100)).find((m) => m.id === id)!;
  /** Waits until every scored customer carries `modelId`. */
  const scoredBy = (modelId: string) =>
    eventually(
      () =>
        rows(`SELECT count(*) FILTER (WHERE model_id = $2)::int AS n, count(*)::int AS total FROM customer_values WHERE tenant_id = $1`, [
          modelId,
        ]),
      (r) => r[0].total > 0 && r[0].n === r[0].total,
    );
  const fit = (input: Parameters<ClvService['requestFit']>[1]) => clv.requestFit(admin, input).then((m) => finished(m.id));
  const calibration = {
    calibrationEnd: new Date('1997-09-30T00:00:00Z'),
    holdoutEnd: new Date('1998-06-30T00:00:00Z'),
    timeUnit: 'WEEKS' as const,
    asOf: AS_OF,
  };

  beforeAll(async () => {
    analytics = await startService(AnalyticsAppModule, analyticsDefinition, { ANALYTICS_RFM_DELAY_MS: '0' });
    ds = analytics.app.get(DataSource);
    clv = analytics.app.get(ClvService);
    await loadCdnowTenant(rows);
  });

  afterAll(() => analytics?.close());

  it('RFM as of today scores nobody and says why; as of 1998-06-30 it scores every customer', async () => {
    const rfm = analytics.app.get(RfmService);
    const today = await rfm.recomputeFor(admin, { windowDays: 730 });
    expect(today.customersScored).toBe(0);
    expect(today.emptyWindowReason).toMatch(/orders run from 1997-01-01 to 1998-06-30/);

    const then = await rfm.recomputeFor(admin, { asOf: AS_OF });
    expect(then).toMatchObject({ customersScored: 2357, windowDays: 730, emptyWindowReason: null });
    expect(then.asOf.toISOString()).toBe(AS_OF.toISOString());
    const [scores] = await rows(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE r BETWEEN 1 AND 5)::int AS scored FROM rfm_scores WHERE tenant_id = $1`,
    );
    expect(scores).toEqual({ n: 2357, scored: 2357 });
    await expect(rfm.recomputeFor(admin, { asOf: new Date('nonsense') })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'input.asOf' },
    });
  });

  it('fits Pareto/NBD with its published parameters, activates it and scores one-time buyers with a P(alive) that falls with time', async () => {
    pareto = await fit({ ...calibration, kind: 'PARETO_NBD' });
    expect(pareto).toMatchObject({ status: 'FITTED', kind: 'PARETO_NBD', active: true, rejectionReasons: null, failureReason: null });
    for (const [name, value] of Object.entries(PARETO_NBD)) {
      expect(Math.abs(pareto.purchaseModel!.params[name] / value - 1)).toBeLessThan(5e-3);
    }
    expect(pareto.purchaseModel!.logLikelihood).toBeCloseTo(-9595.0, 0);
    expect(pareto.asOf!.toISOString()).toBe(AS_OF.toISOString());

    await scoredBy(pareto.id);
    const oneTime: { t: number; p_alive: number; churn_band: string }[] = await rows(
      `SELECT t, p_alive, churn_band FROM customer_values WHERE tenant_id = $1 AND x = 0 ORDER BY t`,
    );
    expect(oneTime.length).toBeGreaterThan(1000);
    expect(oneTime.every((c) => c.p_alive < 1)).toBe(true);
    // The longer ago their only purchase, the less likely they are still here.
    for (let i = 1; i < oneTime.length; i++) {
      if (oneTime[i].t > oneTime[i - 1].t) expect(oneTime[i].p_alive).toBeLessThan(oneTime[i - 1].p_alive);
    }
    expect(oneTime[0].p_alive - oneTime[oneTime.length - 1].p_alive).toBeGreaterThan(0.01);
    // Unlike BG/NBD (P(alive) = 1), not one of them is a safe bet.
    expect(oneTime[oneTime.length - 1].p_alive).toBeLessThan(0.9);
    // Scored as of 1998-06-30: T is at most 78 weeks, not decades.
    const [span] = await rows(
      `SELECT max(t) AS t, min(as_of)::text AS lo, max(as_of)::text AS hi, count(*)::int AS n FROM customer_values WHERE tenant_id = $1`,
    );
    expect(span).toMatchObject({ lo: '1998-06-30', hi: '1998-06-30', n: 2357 });
    expect(span.t).toBeLessThanOrEqual(78);
    const value = (await clv.getMany(admin, [contactOf('1')])).get(contactOf('1'))!;
    expect(value).toMatchObject({ modelId: pareto.id, asOf: '1998-06-30', stale: false, clvAbsentReason: null });
  });

  it('rejects a fit that fails validation; the active model stays and keeps scoring', async () => {
    await clv.updateSettings(admin, { maxHoldoutError: 0.01 });
    const rejected = await fit({ ...calibration, kind: 'BG_NBD' });
    expect(rejected).toMatchObject({ status: 'REJECTED', active: false });
    expect(rejected.rejectionReasons).toEqual([
      expect.stringMatching(/^hold-out: .* purchases predicted, 1882 made \(error .* %, limit 1\.0 %\)$/),
    ]);
    expect((await modelOf(pareto.id)).active).toBe(true);
    await expect(clv.activateModel(admin, rejected.id)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'id' },
      message: expect.stringMatching(/REJECTED: hold-out/),
    });
    // The tenant is still scored by the active model.
    const [{ last }] = await rows(`SELECT max(scored_at) AS last FROM customer_values WHERE tenant_id = $1`);
    await clv.updateSettings(admin, { maxHoldoutError: null });
    await eventually(
      () =>
        rows(`SELECT count(*)::int AS n FROM customer_values WHERE tenant_id = $1 AND scored_at > $2 AND model_id = $3`, [last, pareto.id]),
      (r) => r[0].n === 2357,
    );
  });

  it('activates explicitly when automatic activation is off, marking the old scores stale until rescored', async () => {
    await clv.updateSettings(admin, { autoActivate: false });
    mbg = await fit({ ...calibration, kind: 'MBG_NBD' });
    expect(mbg).toMatchObject({ status: 'FITTED', kind: 'MBG_NBD', active: false });
    expect((await modelOf(pareto.id)).active).toBe(true);

    const activated = await clv.activateModel(admin, mbg.id);
    expect(activated).toMatchObject({ id: mbg.id, active: true });
    // Until the rescoring commits, scores come from a model that is no longer active.
    expect((await clv.getMany(admin, [contactOf('1')])).get(contactOf('1'))).toMatchObject({ modelId: pareto.id, stale: true });
    await scoredBy(mbg.id);
    expect((await clv.getMany(admin, [contactOf('1')])).get(contactOf('1'))).toMatchObject({ modelId: mbg.id, stale: false });
    const [oneTime] = await rows(`SELECT max(p_alive) AS p FROM customer_values WHERE tenant_id = $1 AND x = 0`);
    expect(oneTime.p).toBeLessThan(1);
    await clv.updateSettings(admin, { autoActivate: null });
  });

  it('compares models on the hold-out per frequency bucket', async () => {
    const [p, m] = await clv.compare(admin, [pareto.id, mbg.id]);
    expect(p.model.id).toBe(pareto.id);
    expect(p).toMatchObject({ customers: 2357, actual: 1882 });
    expect(m).toMatchObject({ customers: 2357, actual: 1882 });
    // libs/clv README / BTYDplus: Pareto/NBD forecasts 1,666, MBG/NBD 1,577 of 1,882.
    expect(p.predicted).toBeCloseTo(1666, -1);
    expect(m.predicted).toBeCloseTo(1577, -1);
    expect(p.byPurchaseCount.map((b) => b.bucket)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    expect(p.byPurchaseCount.reduce((n, b) => n + b.actual, 0)).toBe(1882);
    expect(p.meanAbsoluteError).toBeGreaterThan(0);
    await expect(clv.compare(admin, [pareto.id, randomUUID()])).rejects.toMatchObject({ extensions: { field: 'ids[1]' } });
  });

  it('marks a model FAILED when scoring under it fails, and the model active before takes over', async () => {
    const brokenId = randomUUID();
    await rows(
      `INSERT INTO clv_models (id, tenant_id, request_key, status, kind, time_unit, calibration_end, currency, purchase_model, gamma_gamma, finished_at)
       VALUES ($2, $1, 'broken', 'FITTED', 'BG_NBD', 'WEEKS', '1997-09-30', 'USD', $3, NULL, now())`,
      [
        brokenId,
        JSON.stringify({
          params: { r: 1e308, alpha: 1e-308, a: 0.5, b: 1e308 },
          logLikelihood: 0,
          standardErrors: null,
          iterations: 1,
          converged: true,
        }),
      ],
    );
    await clv.activateModel(admin, brokenId);
    const failed = await eventually(
      () => modelOf(brokenId),
      (m) => m.status === 'FAILED',
    );
    expect(failed.failureReason).toMatch(/^scoring failed: BG\/NBD .* gives P\(alive\)/);
    expect(failed.active).toBe(false);
    // Its scoring run says so too (clvScoringRun shows it until the fallback's rescoring starts a newer run).
    const [run] = await rows(`SELECT status, error FROM clv_scoring_runs WHERE tenant_id = $1 AND model_id = $2`, [brokenId]);
    expect(run).toEqual({ status: 'FAILED', error: expect.stringMatching(/^BG\/NBD .* gives P\(alive\)/) });
    expect((await modelOf(mbg.id)).active).toBe(true);
    await expect(clv.activateModel(admin, brokenId)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('publishes P(alive) and churn without CLV when the spend model was refused, with the reason', async () => {
    const noSpendId = randomUUID();
    await rows(
      `INSERT INTO clv_models (id, tenant_id, request_key, status, kind, time_unit, calibration_end, as_of, currency, purchase_model,
                               gamma_gamma, spend_model_reason, finished_at)
       VALUES ($2, $1, 'no-spend', 'FITTED', 'PARETO_NBD', 'WEEKS', '1997-09-30', $4, 'USD', $3, NULL,
               'Gamma-Gamma: q = 0.8 <= 1: spend is too heavy-tailed for a finite mean', now())`,
      [noSpendId, JSON.stringify(pareto.purchaseModel), AS_OF.toISOString()],
    );
    await clv.activateModel(admin, noSpendId);
    await scoredBy(noSpendId);
    const [counts] = await rows(
      `SELECT count(*) FILTER (WHERE clv IS NULL AND tier IS NULL)::int AS no_clv, count(*) FILTER (WHERE p_alive < 1)::int AS alive FROM customer_values WHERE tenant_id = $1`,
    );
    expect(counts.no_clv).toBe(2357);
    expect(counts.alive).toBeGreaterThan(1000);
    const value = (await clv.getMany(admin, [contactOf('1')])).get(contactOf('1'))!;
    expect(value).toMatchObject({ storedClv: null, expectedAverageSpend: null, clvAbsentReason: expect.stringMatching(/q = 0\.8 <= 1/) });
    expect(value.pAlive).toBeGreaterThan(0);
    // The purchase model's figures are all there: expected purchases (stored and at another horizon), churn risk and band.
    expect(expectedPurchasesFor(value, null)).toBeGreaterThan(0);
    expect(expectedPurchasesFor(value, 10)).toBeGreaterThan(0);
    expect(expectedPurchasesFor(value, 10)).toBeLessThan(expectedPurchasesFor(value, null));
    // 1 − P(alive), raised by the churn signals (customer 1's purchases fell off).
    expect(value.churnRisk).toBeGreaterThanOrEqual(1 - value.pAlive - 1e-12);
    expect(value.churnRisk).toBeLessThanOrEqual(1);
    expect(['LOW', 'MEDIUM', 'HIGH']).toContain(value.churnBand);
    expect(clvFor(value, null, null)).toBeNull();
    expect(await clv.topCustomers(admin, 5)).toEqual([]);
  });
});
