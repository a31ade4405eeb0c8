import { Injectable } from '@nestjs/common';
import { badUserInput, type Principal } from '@rapport/auth';
import { moneyView, type Money } from '@rapport/money';
import { ServiceDatabase } from '@rapport/service-kit';
import { requireAnalyticsRead } from '../access/analytics-access';
import { dominantCurrency } from '../clv/clv-summary-sql';
import { COHORT_RETENTION_SQL, REVENUE_BY_PERIOD_SQL } from './cohorts-sql';
import { fitRetention, type FitRetentionInput, type RetentionFit } from './retention';

export interface CohortRow {
  cohort: string;
  size: number;
  guestOrders: number;
  retention: number[];
}

export interface RevenuePeriod {
  period: string;
  start: Date;
  revenue: Money | null;
  orders: number;
  customers: number;
  guestOrders: number;
  guestRevenue: Money | null;
}

/** Ten years of months is plenty for a chart and bounds the work. */
const MAX_RANGE_MS = 10 * 366 * 86_400_000;

function validateRange(from: Date, to: Date): void {
  if (!(from instanceof Date) || !(to instanceof Date) || !(from.getTime() < to.getTime())) throw badUserInput('to', 'must be after from');
  if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw badUserInput('to', 'the range may span at most ten years');
}

@Injectable()
export class RetentionService {
  constructor(private readonly db: ServiceDatabase) {}

  fitRetention(principal: Principal, input: FitRetentionInput): RetentionFit {
    requireAnalyticsRead(principal);
    return fitRetention(input);
  }

  async cohortRetention(principal: Principal, from: Date, to: Date): Promise<CohortRow[]> {
    requireAnalyticsRead(principal);
    validateRange(from, to);
    return this.db.withTenant(principal.tenantId, (em) =>
      em.query(COHORT_RETENTION_SQL, [principal.tenantId, from.toISOString(), to.toISOString()]),
    );
  }

  async revenueByPeriod(principal: Principal, period: 'MONTH' | 'QUARTER', from: Date, to: Date): Promise<RevenuePeriod[]> {
    requireAnalyticsRead(principal);
    validateRange(from, to);
    if (period !== 'MONTH' && period !== 'QUARTER') throw badUserInput('period', 'must be MONTH or QUARTER');
    return this.db.withTenant(principal.tenantId, async (em) => {
      const currency = await dominantCurrency(em, principal.tenantId);
      const rows: {
        period: string;
        start: Date;
        revenue: string;
        orders: number;
        customers: number;
        guestOrders: number;
        guestRevenue: string;
      }[] = await em.query(REVENUE_BY_PERIOD_SQL, [
        principal.tenantId,
        from.toISOString(),
        to.toISOString(),
        period.toLowerCase(),
        currency,
      ]);
      return rows.map((r) => ({
        ...r,
        revenue: currency ? moneyView(r.revenue, currency) : null,
        guestRevenue: currency ? moneyView(r.guestRevenue, currency) : null,
      }));
    });
  }
}
