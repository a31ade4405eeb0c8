import { randomUUID } from 'node:crypto';
import type { Principal } from '@rapport/auth';
import type { Role } from '@rapport/contracts';
import type { StartedService } from '@rapport/service-kit';
import { startService, userPrincipal } from '@rapport/testing';
import { DataSource } from 'typeorm';
import { AccountsService } from '../accounts/accounts.service';
import { SalesAppModule } from '../app.module';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { OpportunityProgressService } from '../opportunities/opportunity-progress.service';
import { PipelinesService } from '../pipelines/pipelines.service';
import { salesDefinition } from '../sales.definition';
import { ForecastsService } from './forecasts.service';

/** Forecast numbers and pipeline metrics against hand-computed examples on the real Postgres. */
describe('forecasts and pipeline metrics', () => {
  let sales: StartedService;
  let db: DataSource;
  let forecasts: ForecastsService;
  let opportunities: OpportunitiesService;
  let progress: OpportunityProgressService;
  let pipelines: PipelinesService;
  const tenantId = randomUUID();
  const as = (roles: Role[]): Principal => userPrincipal(tenantId, roles);
  const repA = as(['sales_rep']);
  const repB = as(['sales_rep']);
  const manager = as(['sales_manager']);
  let accountId: string;

  const deal = async (owner: Principal, amount: string, currency: string, closeDate: string, extra: Record<string, unknown> = {}) =>
    opportunities.create(owner, { name: `D ${amount}`, accountId, amount: { amount, currency }, closeDate, ...extra });

  beforeAll(async () => {
    sales = await startService(SalesAppModule, salesDefinition, { DB_SCHEMA_SUFFIX: `forecast_${process.env.RAPPORT_TEST_RUN_ID}` });
    db = sales.app.get(DataSource);
    forecasts = sales.app.get(ForecastsService);
    opportunities = sales.app.get(OpportunitiesService);
    progress = sales.app.get(OpportunityProgressService);
    pipelines = sales.app.get(PipelinesService);
    accountId = (await sales.app.get(AccountsService).create(repA, { name: 'Forecast Co' })).id;
  });

  afterAll(() => sales?.close());

  it('totals count, amount and weighted amount per category, currency and owner for a quarter', async () => {
    const first = await deal(repA, '1000', 'EUR', '2026-01-15');
    const stages = (await pipelines.stagesOf(manager, [first.pipelineId])).get(first.pipelineId)!;
    const stage = (name: string) => stages.find((s) => s.name === name)!.id;
    await deal(repA, '0.10', 'EUR', '2026-03-31', { probability: 25 });
    await deal(repB, '0.30', 'EUR', '2026-01-01', { probability: 25 });
    await deal(repB, '333.33', 'EUR', '2026-02-10', { stageId: stage('Proposal') });
    await deal(repA, '2000', 'EUR', '2026-03-01', { stageId: stage('Negotiation') });
    await progress.close(repB, { id: (await deal(repB, '500', 'USD', '2026-02-28')).id, won: true, closeDate: '2026-02-28' });
    await progress.close(repA, { id: (await deal(repA, '700', 'EUR', '2026-01-31')).id, won: false, closeDate: '2026-01-31' });
    await deal(repA, '999', 'EUR', '2026-04-01');
    await deal(repA, '999', 'EUR', '2025-12-31');

    const f = await forecasts.forecast(manager, { period: { year: 2026, quarter: 1 } });
    expect(f).toMatchObject({ from: '2026-01-01', to: '2026-03-31', ownerId: null });
    const m = (amount: string, currency = 'EUR') => ({ amount, currency });
    expect(f.lines.map((l) => [l.category, l.currency, l.count, l.amount.amount, l.weightedAmount.amount])).toEqual([
      // 1000×10% + 0.10×25% + 0.30×25% = 100 + 0.025 + 0.075 = 100.10 (rounded once)
      ['PIPELINE', 'EUR', 3, '1000.40', '100.10'],
      // 333.33 × 50% = 166.665 → 166.66 (half-even)
      ['BEST_CASE', 'EUR', 1, '333.33', '166.66'],
      ['COMMIT', 'EUR', 1, '2000.00', '1600.00'],
      ['CLOSED_WON', 'USD', 1, '500.00', '500.00'],
      ['CLOSED_LOST', 'EUR', 1, '700.00', '0.00'],
    ]);
    const pipeline = f.lines[0];
    expect(new Map(pipeline.byOwner.map((o) => [o.ownerId, [o.count, o.amount, o.weightedAmount]]))).toEqual(
      new Map([
        // 100 + 0.025 = 100.025 → 100.02; 0.075 → 0.08
        [repA.id, [2, m('1000.10'), m('100.02')]],
        [repB.id, [1, m('0.30'), m('0.08')]],
      ]),
    );
    expect(f.wonSoFar).toEqual([m('500.00', 'USD')]);

    const mine = await forecasts.forecast(repA, { period: { year: 2026, quarter: 1 } });
    expect(mine.ownerId).toBe(repA.id);
    expect(mine.lines.map((l) => [l.category, l.count, l.amount.amount, l.weightedAmount.amount])).toEqual([
      ['PIPELINE', 2, '1000.10', '100.02'],
      ['COMMIT', 1, '2000.00', '1600.00'],
      ['CLOSED_LOST', 1, '700.00', '0.00'],
    ]);
    expect(mine.wonSoFar).toEqual([]);
    await expect(forecasts.forecast(repA, { period: { year: 2026 }, ownerId: repB.id })).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
    const byB = await forecasts.forecast(manager, { period: { year: 2026, month: 2 }, ownerId: repB.id });
    expect(byB.lines.map((l) => [l.category, l.currency, l.amount.amount])).toEqual([
      ['BEST_CASE', 'EUR', '333.33'],
      ['CLOSED_WON', 'USD', '500.00'],
    ]);
    const otherPipeline = await forecasts.forecast(manager, { period: { year: 2026 }, pipelineId: randomUUID() });
    expect(otherPipeline.lines).toEqual([]);
  });

  it('computes win rate, average won deal size and average days per stage from the stage history', async () => {
    const p = await pipelines.create(manager, {
      name: 'Metrics',
      stages: [
        { name: 'Open', probability: 10, forecastCategory: 'PIPELINE' },
        { name: 'Commit', probability: 60, forecastCategory: 'COMMIT' },
        { name: 'Won', probability: 100, forecastCategory: 'CLOSED_WON' },
        { name: 'Lost', probability: 0, forecastCategory: 'CLOSED_LOST' },
      ],
    });
    const [open, commit] = (await pipelines.stagesOf(manager, [p.id])).get(p.id)!;
    /** Creates, moves and closes, then pins the history to the given times (ISO, UTC). */
    const run = async (owner: Principal, amount: string, path: [string | null, string][], won: boolean) => {
      const o = await deal(owner, amount, 'EUR', '2026-03-31', { pipelineId: p.id });
      for (const [, stageId] of path.slice(1, -1)) await progress.moveStage(owner, { id: o.id, stageId: stageId! });
      await progress.close(owner, { id: o.id, won, closeDate: '2026-03-31' });
      const history: { id: string }[] = await db.query(
        `SELECT id FROM opportunity_stage_history WHERE opportunity_id = $1 ORDER BY changed_at, id`,
        [o.id],
      );
      expect(history).toHaveLength(path.length);
      for (const [i, h] of history.entries())
        await db.query(`UPDATE opportunity_stage_history SET changed_at = $2 WHERE id = $1`, [h.id, path[i][0]]);
      await db.query(`UPDATE opportunities SET closed_at = $2 WHERE id = $1`, [o.id, path[path.length - 1][0]]);
    };
    // Open 2 days, Commit 1.5 days, won 1000
    await run(
      repA,
      '1000',
      [
        ['2026-03-01T00:00:00Z', open.id],
        ['2026-03-03T00:00:00Z', commit.id],
        ['2026-03-04T12:00:00Z', 'won'],
      ],
      true,
    );
    // Open 4 days, Commit 1 day, lost
    await run(
      repB,
      '5000',
      [
        ['2026-03-01T00:00:00Z', open.id],
        ['2026-03-05T00:00:00Z', commit.id],
        ['2026-03-06T00:00:00Z', 'lost'],
      ],
      false,
    );
    // Open 1 day, won 500.01
    await run(
      repA,
      '500.01',
      [
        ['2026-03-02T00:00:00Z', open.id],
        ['2026-03-03T00:00:00Z', 'won'],
      ],
      true,
    );
    // Closed in April: outside the range
    await run(
      repA,
      '7',
      [
        ['2026-04-01T00:00:00Z', open.id],
        ['2026-04-03T00:00:00Z', 'won'],
      ],
      true,
    );
    // Still open: no finished stay
    await deal(repA, '1', 'EUR', '2026-03-31', { pipelineId: p.id });

    const all = await forecasts.pipelineMetrics(manager, { pipelineId: p.id, from: '2026-03-01', to: '2026-03-31' });
    expect(all).toMatchObject({ won: 2, lost: 1, winRate: 0.6667, ownerId: null });
    // (1000 + 500.01) / 2 = 750.005 → 750.00 (half-even)
    expect(all.averageWonDealSize).toEqual([{ amount: '750.00', currency: 'EUR' }]);
    expect(all.stages.map((s) => [s.stage.name, s.stays, s.averageDays])).toEqual([
      ['Open', 3, 2.3333], // (2 + 4 + 1) / 3
      ['Commit', 2, 1.25], // (1.5 + 1) / 2
    ]);

    const mine = await forecasts.pipelineMetrics(repA, { pipelineId: p.id, from: '2026-03-01', to: '2026-03-31' });
    expect(mine).toMatchObject({ won: 2, lost: 0, winRate: 1, ownerId: repA.id });
    expect(mine.stages.map((s) => [s.stage.name, s.stays, s.averageDays])).toEqual([
      ['Open', 2, 1.5],
      ['Commit', 1, 1.5],
    ]);
    const april = await forecasts.pipelineMetrics(manager, { pipelineId: p.id, from: '2026-04-01', to: '2026-04-30' });
    expect(april).toMatchObject({ won: 1, lost: 0, winRate: 1, averageWonDealSize: [{ amount: '7.00', currency: 'EUR' }] });
    expect(april.stages.map((s) => [s.stage.name, s.stays, s.averageDays])).toEqual([
      ['Open', 1, 2],
      ['Commit', 0, null],
    ]);
    await expect(forecasts.pipelineMetrics(manager, { pipelineId: p.id, from: '2026-04-01', to: '2026-03-01' })).rejects.toMatchObject({
      extensions: { field: 'to' },
    });
  });
});
