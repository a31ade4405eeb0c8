import { customerLifetimeValue, expectedPurchasesConditional, probabilityAlive, type BgNbdParams } from '@rapport/clv';
import type { FrequencyRecencyGroup } from './clv-summary-sql';

/** Scores stored per customer are at these defaults; other horizons are computed on the fly. */
export const DEFAULT_PERIODS = 52;
export const DEFAULT_HORIZON_WEEKS = 52;
export const DEFAULT_ANNUAL_DISCOUNT_RATE = 0.1;

/** What the scoring statement joins to each customer of a (x, t_x, T) group. */
export interface GroupScore {
  x: number;
  tx_days: number;
  t_days: number;
  p_alive: number;
  expected_purchases: number;
  /** Σ discounted expected purchases over the default horizon: CLV = spend × this. */
  discounted: number;
}

/** Horizon in model units for a horizon in weeks (a whole number of units: 52 weeks = 364 days). */
export function horizonUnits(horizonWeeks: number, daysPerUnit: number): number {
  return Math.round((horizonWeeks * 7) / daysPerUnit);
}

/**
 * Purchase-process scores depend on a customer only through (x, t_x, T), so
 * they are computed once per distinct group — a few thousand for millions of
 * customers — and spend is applied per customer in SQL.
 */
export function scoreGroups(
  params: BgNbdParams,
  groups: readonly Pick<FrequencyRecencyGroup, 'x' | 'txDays' | 'tDays'>[],
  daysPerUnit: number,
): GroupScore[] {
  const horizon = horizonUnits(DEFAULT_HORIZON_WEEKS, daysPerUnit);
  return groups.map((g) => {
    const customer = { x: g.x, tx: g.txDays / daysPerUnit, T: g.tDays / daysPerUnit };
    return {
      x: g.x,
      tx_days: g.txDays,
      t_days: g.tDays,
      p_alive: probabilityAlive(params, customer),
      expected_purchases: expectedPurchasesConditional(params, customer, DEFAULT_PERIODS),
      discounted: customerLifetimeValue({
        bgNbd: params,
        customer,
        expectedSpendPerPurchase: 1,
        horizon,
        annualDiscountRate: DEFAULT_ANNUAL_DISCOUNT_RATE,
        daysPerUnit,
      }).value,
    };
  });
}
