import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { StartedService } from '@rapport/service-kit';
import { startService, eventuallyWithin } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { analyticsDefinition } from '../analytics.definition';
import { AnalyticsAppModule } from '../app.module';
import { contactOf, loadCdnowTenant } from './cdnow-tenant';
import type { ClvModelRecord } from '../clv/clv-model';
import type { ClvScoringRunView } from '../clv/clv-scoring-runs';
import { ClvService } from '../clv/clv.service';

const CUSTOMERS = 2357;

/**
 * A tenant that chose nothing (ADR 081), on the CDNOW sample with its
 * 1997–98 dates: the default model lets one-time buyers churn; scores pinned
 * to the latest order or to a day; a degenerate fit is REJECTED while the
 * active model keeps scoring; a scoring as of a day before every order says
 * so and keeps the scores.
 */
describe('analytics: CLV on default settings, pinned as-of days and degenerate fits (CDNOW 1997–98)', () => {
  let analytics: StartedService;
  let ds: DataSource;
  let clv: ClvService;
  const tenantId = randomUUID();
  const admin: Principal = { kind: 'user', tenantId, id: randomUUID(), roles: ['admin'], scopes: [], contactId: null };
  let model: ClvModelRecord;

  const rows = (sql: string, params: unknown[] = []) => ds.query(sql, [tenantId, ...params]);

  const eventually = eventuallyWithin({ timeoutMs: 60_000 });

  const finished = (id: string) =>
    eventually(
      async () => (await clv.models(admin, 100)).find((m) => m.id === id)!,
      (m) => !['QUEUED', 'RUNNING'].includes(m.status),
    );
  const fit = (input: Parameters<ClvService['requestFit']>[1]) => clv.requestFit(admin, input).then((m) => finished(m.id));
  /** The next full scoring run after `after` (a run id, or null), once it has finished. */
  const runAfter = (after: string | null) =>
    eventually(
      () => clv.scoringRun(admin),
      (r): r is ClvScoringRunView => r !== null && r.id !== after && r.status !== 'RUNNING',
    ) as Promise<ClvScoringRunView>;
  const valueStats = async () =>
    (
      await rows(
        `SELECT count(*)::int AS n, min(as_of)::text AS lo, max(as_of)::text AS hi, count(DISTINCT model_id)::int AS models,
                min(model_id::text) AS model
           FROM customer_values WHERE tenant_id = $1`,
      )
    )[0] as { n: number; lo: string; hi: string; models: number; model: string };

  beforeAll(async () => {
    analytics = await startService(AnalyticsAppModule, analyticsDefinition, { ANALYTICS_RFM_DELAY_MS: '0' });
    ds = analytics.app.get(DataSource);
    clv = analytics.app.get(ClvService);
    await loadCdnowTenant(rows);
  });

  afterAll(() => analytics?.close());

  it('fits a model that lets one-time buyers churn when the tenant chose none, scored as of the latest order', async () => {
    // Fails before ADR 081: the default was BG/NBD, under which every one-time buyer has P(alive) = 1 and LOW risk.
    expect(await clv.settings(admin)).toMatchObject({ modelKind: 'MBG_NBD', modelKindChosen: false, asOfLatestOrder: false });
    await clv.updateSettings(admin, { asOfLatestOrder: true });
    model = await fit({ calibrationEnd: new Date('1998-06-30T00:00:00Z') });
    expect(model).toMatchObject({ status: 'FITTED', kind: 'MBG_NBD', active: true, asOf: null, rejectionReasons: null });

    // asOfLatestOrder pins scoring to the day of the latest order, not today.
    const run = await runAfter(null);
    expect(run).toMatchObject({ status: 'SUCCEEDED', modelId: model.id, done: CUSTOMERS, total: CUSTOMERS, error: null });
    const [{ latest }] = await rows(`SELECT max(occurred_at AT TIME ZONE 'UTC')::date::text AS latest FROM orders WHERE tenant_id = $1`);
    expect(latest).toBe('1998-06-30');
    expect(run.asOf).toBe(latest);
    expect(await valueStats()).toMatchObject({ n: CUSTOMERS, lo: latest, hi: latest, models: 1, model: model.id });

    const oneTime: { t: number; p_alive: number; churn_band: string; tier: string | null }[] = await rows(
      `SELECT t, p_alive, churn_band, tier FROM customer_values WHERE tenant_id = $1 AND x = 0 ORDER BY t`,
    );
    expect(oneTime.length).toBeGreaterThan(1000);
    expect(oneTime.every((c) => c.p_alive < 1)).toBe(true);
    // The longer ago their only purchase, the less likely they are still here.
    for (let i = 1; i < oneTime.length; i++) {
      if (oneTime[i].t > oneTime[i - 1].t) expect(oneTime[i].p_alive).toBeLessThan(oneTime[i - 1].p_alive);
    }
    // Long gone (their only purchase more than a year before the as-of day): not LOW risk.
    const longGone = oneTime.filter((c) => c.t > 52);
    expect(longGone.length).toBeGreaterThan(1000);
    expect(longGone.filter((c) => c.churn_band === 'LOW')).toEqual([]);
    // …and they do not fill the top tiers (under BG/NBD they held all of them: issue 16).
    const [top] = await rows(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE x = 0 AND t > 52)::int AS long_gone
         FROM customer_values WHERE tenant_id = $1 AND tier IN ('platinum', 'gold')`,
    );
    expect(top.n).toBeGreaterThan(400);
    expect(top.long_gone).toBe(0);
  });

  it('rejects a degenerate fit with its reasons; the active model stays active and keeps scoring', async () => {
    // Up to 1997-01-03 every customer is a one-time buyer of the last three days: nothing to estimate dropout from.
    const before = await clv.scoringRun(admin);
    const degenerate = await fit({ calibrationEnd: new Date('1997-01-03T00:00:00Z') });
    expect(degenerate).toMatchObject({ status: 'REJECTED', kind: 'MBG_NBD', active: false, failureReason: null, customersUsed: 57 });
    expect(degenerate.rejectionReasons).toEqual(
      expect.arrayContaining([expect.stringMatching(/^MBG\/NBD .*: no standard errors \(the information matrix is not positive definite/)]),
    );
    expect((await clv.models(admin, 100)).find((m) => m.id === model.id)).toMatchObject({ status: 'FITTED', active: true });
    await expect(clv.activateModel(admin, degenerate.id)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'id' } });

    // The next scoring is the active model's: every value carries its id, not stale.
    await clv.updateSettings(admin, {});
    const run = await runAfter(before!.id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', modelId: model.id, done: CUSTOMERS, error: null });
    expect(await valueStats()).toMatchObject({ n: CUSTOMERS, models: 1, model: model.id });
    const value = (await clv.getMany(admin, [contactOf('1')])).get(contactOf('1'))!;
    expect(value).toMatchObject({ modelId: model.id, stale: false });
  });

  it('scores as of a pinned day', async () => {
    const before = await clv.scoringRun(admin);
    await clv.updateSettings(admin, { asOfLatestOrder: false, asOf: new Date('1998-03-31T12:00:00Z') });
    const run = await runAfter(before!.id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', modelId: model.id, asOf: '1998-03-31', done: CUSTOMERS });
    expect(await valueStats()).toMatchObject({ n: CUSTOMERS, lo: '1998-03-31', hi: '1998-03-31', model: model.id });
    const [{ t }] = await rows(`SELECT max(t) AS t FROM customer_values WHERE tenant_id = $1`);
    // T in weeks from 1997-01-01 to 1998-03-31.
    expect(t).toBeCloseTo(454 / 7, 5);
  });

  it('says so when the as-of day is before every order, and keeps the scores', async () => {
    // Before ADR 081 this run SUCCEEDED with 0 of 0 and deleted every customer's value.
    const before = await clv.scoringRun(admin);
    await clv.updateSettings(admin, { asOf: new Date('1996-06-30T00:00:00Z') });
    const run = await runAfter(before!.id);
    expect(run).toMatchObject({ status: 'FAILED', modelId: model.id, asOf: '1996-06-30', done: 0, total: 0 });
    const [{ orders }] = await rows(`SELECT count(*)::int AS orders FROM orders WHERE tenant_id = $1`);
    expect(run.error).toBe(
      `scored nobody as of 1996-06-30: no customer had placed an order by then; the tenant's ${orders} orders run from 1997-01-01 to ` +
        `1998-06-30. The previous scores are kept. Score as of a day in that range (ClvSettings.asOf, or asOfLatestOrder)`,
    );
    expect(await valueStats()).toMatchObject({ n: CUSTOMERS, lo: '1998-03-31', hi: '1998-03-31', model: model.id });
    // Not the model's fault: it stays FITTED and active.
    expect((await clv.models(admin, 100)).find((m) => m.id === model.id)).toMatchObject({ status: 'FITTED', active: true });
  });

  it('keeps an explicitly chosen BG/NBD, and null goes back to the default', async () => {
    await clv.updateSettings(admin, { modelKind: 'BG_NBD', autoActivate: false, asOf: null });
    expect(await clv.settings(admin)).toMatchObject({ modelKind: 'BG_NBD', modelKindChosen: true, autoActivate: false });
    const bg = await fit({ calibrationEnd: new Date('1998-06-30T00:00:00Z') });
    expect(bg).toMatchObject({ kind: 'BG_NBD', active: false });
    // Another settings change leaves the choice alone.
    await clv.updateSettings(admin, { autoActivate: null });
    expect(await clv.settings(admin)).toMatchObject({ modelKind: 'BG_NBD', modelKindChosen: true, autoActivate: true });
    await clv.updateSettings(admin, { modelKind: null });
    expect(await clv.settings(admin)).toMatchObject({ modelKind: 'MBG_NBD', modelKindChosen: false });
  });

  it('shows why through clvScoringRun when the last attempt of a scoring fails', async () => {
    // A technical failure (not a ScoringError): tiers stored empty make the values statement invalid SQL. The job
    // retries; its last attempt marks the model FAILED, and with no model active before it the failed run stays the latest.
    const before = await clv.scoringRun(admin);
    await rows(`UPDATE clv_settings SET tiers = '[]'::jsonb WHERE tenant_id = $1`);
    await clv.updateSettings(admin, {});
    const failed = await eventually(
      async () => (await clv.models(admin, 100)).find((m) => m.id === model.id)!,
      (m) => m.status === 'FAILED',
    );
    expect(failed).toMatchObject({ active: false, failureReason: expect.stringMatching(/^scoring failed: .*syntax error/) });
    const run = await eventually(
      () => clv.scoringRun(admin),
      (r) => r !== null && r.id !== before!.id && r.status !== 'RUNNING',
    );
    expect(run).toMatchObject({ status: 'FAILED', modelId: model.id, error: expect.stringMatching(/syntax error/) });
    await rows(`UPDATE clv_settings SET tiers = NULL WHERE tenant_id = $1`);
  });
});
