import { Injectable } from '@nestjs/common';
import { badUserInput, type Principal } from '@rapport/auth';
import type { Money } from '@rapport/money';
import { ServiceDatabase, validate, AccessPolicy } from '@rapport/service-kit';
import { requireDealRead } from '../access/sales-access';
import { presentMoney } from '../opportunities/money-input';
import { PipelineEntity } from '../pipelines/pipeline.entity';
import type { ForecastCategory } from '../pipelines/pipeline-rules';
import { PipelineStageEntity } from '../pipelines/pipeline-stage.entity';
import { averageAmount, dateRange, ownerScope, periodRange, weightedFromSum, type DateRange, type PeriodInput } from './forecast-rules';

export interface ForecastTotals {
  count: number;
  amount: Money;
  weightedAmount: Money;
}

export interface ForecastLine extends ForecastTotals {
  category: ForecastCategory;
  currency: string;
  byOwner: (ForecastTotals & { ownerId: string | null })[];
}

export interface Forecast extends DateRange {
  ownerId: string | null;
  pipelineId: string | null;
  lines: ForecastLine[];
  wonSoFar: Money[];
}

export interface StageVelocity {
  stage: PipelineStageEntity;
  stays: number;
  averageDays: number | null;
}

export interface PipelineMetrics extends DateRange {
  pipeline: PipelineEntity;
  ownerId: string | null;
  won: number;
  lost: number;
  winRate: number | null;
  averageWonDealSize: Money[];
  stages: StageVelocity[];
}

const CATEGORY_ORDER: ForecastCategory[] = ['PIPELINE', 'BEST_CASE', 'COMMIT', 'CLOSED_WON', 'CLOSED_LOST'];

/** Forecasts and pipeline metrics, computed in SQL over exact numerics; money leaves as decimal strings. */
@Injectable()
export class ForecastsService {
  constructor(
    private readonly db: ServiceDatabase,
    private readonly access: AccessPolicy,
  ) {}

  /**
   * Opportunities whose close date falls in the period, by the forecast
   * category of their current stage and currency, with a breakdown per
   * owner — one GROUP BY GROUPING SETS statement. Weighted amounts are the
   * exact Σ amount × probability / 100, rounded once, half-even.
   */
  async forecast(
    principal: Principal,
    args: { period: PeriodInput; ownerId?: string | null; pipelineId?: string | null },
  ): Promise<Forecast> {
    requireDealRead(principal, 'OPPORTUNITIES', await this.access.overrides(principal));
    const range = periodRange(args.period);
    const ownerId = ownerScope(principal, validate.optionalUuid('ownerId', args.ownerId) ?? null);
    const pipelineId = validate.optionalUuid('pipelineId', args.pipelineId) ?? null;
    const rows: {
      category: ForecastCategory;
      currency: string;
      owner_id: string | null;
      per_owner: number;
      n: number;
      amount: string;
      weighted: string;
    }[] = await this.db.withTenant(principal.tenantId, (em) =>
      em.query(
        `SELECT s.forecast_category AS category, o.currency, o.owner_id, 1 - GROUPING(o.owner_id) AS per_owner,
                  count(*)::int AS n, sum(o.amount)::text AS amount, sum(o.amount * o.probability)::text AS weighted
             FROM opportunities o
             JOIN pipeline_stages s ON s.id = o.stage_id
            WHERE o.close_date BETWEEN $1 AND $2
              AND ($3::uuid IS NULL OR o.owner_id = $3)
              AND ($4::uuid IS NULL OR o.pipeline_id = $4)
            GROUP BY GROUPING SETS ((s.forecast_category, o.currency, o.owner_id), (s.forecast_category, o.currency))
            ORDER BY o.currency, 1 - GROUPING(o.owner_id), o.owner_id NULLS FIRST`,
        [range.from, range.to, ownerId, pipelineId],
      ),
    );
    const totals = (r: (typeof rows)[number]): ForecastTotals => ({
      count: r.n,
      amount: presentMoney(r.amount, r.currency),
      weightedAmount: weightedFromSum(r.weighted, r.currency),
    });
    const lines = new Map<string, ForecastLine>();
    for (const r of rows.filter((x) => !x.per_owner)) {
      lines.set(`${r.category}/${r.currency}`, { category: r.category, currency: r.currency, ...totals(r), byOwner: [] });
    }
    for (const r of rows.filter((x) => x.per_owner))
      lines.get(`${r.category}/${r.currency}`)?.byOwner.push({ ownerId: r.owner_id, ...totals(r) });
    const sorted = [...lines.values()].sort(
      (a, b) => CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category) || a.currency.localeCompare(b.currency),
    );
    return {
      ...range,
      ownerId,
      pipelineId,
      lines: sorted,
      wonSoFar: sorted.filter((l) => l.category === 'CLOSED_WON').map((l) => l.amount),
    };
  }

  /**
   * For one pipeline and a date range: win rate (won / (won + lost)) and the
   * average won deal size per currency over deals closed in the range
   * (closedAt, UTC), and the average days opportunities spent in each open
   * stage over the stays that ended in the range (from opportunity_stage_history).
   */
  async pipelineMetrics(
    principal: Principal,
    args: { pipelineId: string; from: string; to: string; ownerId?: string | null },
  ): Promise<PipelineMetrics> {
    requireDealRead(principal, 'OPPORTUNITIES', await this.access.overrides(principal));
    const pipelineId = validate.requireUuid('pipelineId', args.pipelineId);
    const range = dateRange(args.from, args.to);
    const ownerId = ownerScope(principal, validate.optionalUuid('ownerId', args.ownerId) ?? null);
    return this.db.withTenant(principal.tenantId, async (em) => {
      const pipeline = await em.getRepository(PipelineEntity).findOneBy({ id: pipelineId });
      if (!pipeline) throw badUserInput('pipelineId', `no pipeline ${pipelineId}`);
      const closed: { status: 'WON' | 'LOST'; currency: string; n: number; amount: string }[] = await em.query(
        `SELECT status, currency, count(*)::int AS n, sum(amount)::text AS amount
           FROM opportunities
          WHERE pipeline_id = $1 AND status IN ('WON', 'LOST')
            AND closed_at >= $2::date AND closed_at < $3::date + 1
            AND ($4::uuid IS NULL OR owner_id = $4)
          GROUP BY status, currency
          ORDER BY currency`,
        [pipelineId, range.from, range.to, ownerId],
      );
      const velocity: { stage_id: string; stays: number; average_days: number | null }[] = await em.query(
        `WITH stays AS (
           SELECT h.to_stage_id AS stage_id, h.changed_at AS entered_at,
                  lead(h.changed_at) OVER (PARTITION BY h.opportunity_id ORDER BY h.changed_at, h.id) AS left_at
             FROM opportunity_stage_history h
             JOIN opportunities o ON o.id = h.opportunity_id
            WHERE o.pipeline_id = $1 AND ($4::uuid IS NULL OR o.owner_id = $4)
         ), ended AS (
           SELECT stage_id, count(*)::int AS stays, avg(extract(epoch FROM left_at - entered_at)) / 86400 AS days
             FROM stays
            WHERE left_at >= $2::date AND left_at < $3::date + 1
            GROUP BY stage_id
         )
         SELECT s.id AS stage_id, coalesce(e.stays, 0) AS stays, round(e.days, 4)::float8 AS average_days
           FROM pipeline_stages s
           LEFT JOIN ended e ON e.stage_id = s.id
          WHERE s.pipeline_id = $1
            AND s.forecast_category NOT IN ('CLOSED_WON', 'CLOSED_LOST')
            AND (s.archived_at IS NULL OR e.stays IS NOT NULL)
          ORDER BY s.archived_at NULLS FIRST, s.position`,
        [pipelineId, range.from, range.to, ownerId],
      );
      const stages = await em
        .getRepository(PipelineStageEntity)
        .createQueryBuilder('s')
        .where('s.id = ANY(:ids)', { ids: velocity.map((v) => v.stage_id) })
        .getMany();
      const stageById = new Map(stages.map((s) => [s.id, s]));
      const won = closed.filter((c) => c.status === 'WON');
      const wonCount = won.reduce((n, c) => n + c.n, 0);
      const lostCount = closed.filter((c) => c.status === 'LOST').reduce((n, c) => n + c.n, 0);
      return {
        ...range,
        pipeline,
        ownerId,
        won: wonCount,
        lost: lostCount,
        winRate: wonCount + lostCount === 0 ? null : Math.round((wonCount / (wonCount + lostCount)) * 10_000) / 10_000,
        averageWonDealSize: won.map((c) => averageAmount(c.amount, c.n, c.currency)),
        // Every stage id came from pipeline_stages in the same transaction, so each is found.
        stages: velocity.flatMap((v) => {
          const stage = stageById.get(v.stage_id);
          return stage ? [{ stage, stays: v.stays, averageDays: v.average_days }] : [];
        }),
      };
    });
  }
}
