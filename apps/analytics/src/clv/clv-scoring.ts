import { periodDiscountRate, type PurchaseHistory, type PurchaseModel, type PurchaseModelParams } from '@rapport/clv';
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

/** A model that cannot score (non-finite figures, unusable stored parameters): the fit is marked FAILED with this message. */
export class ScoringError extends Error {}

/** Horizon in model units for a horizon in weeks (a whole number of units: 52 weeks = 364 days). */
export function horizonUnits(horizonWeeks: number, daysPerUnit: number): number {
  return Math.round((horizonWeeks * 7) / daysPerUnit);
}

/**
 * Discounted expected purchases over `horizon` units, as libs/clv
 * customerLifetimeValue computes them for BG/NBD (purchases of unit k
 * discounted as made at its end), for any purchase model: CLV = spend × this.
 */
export function discountedPurchases(
  model: PurchaseModel,
  params: PurchaseModelParams,
  customer: PurchaseHistory,
  horizon: number,
  annualDiscountRate: number,
  daysPerUnit: number,
): number {
  const factor = 1 / (1 + periodDiscountRate(annualDiscountRate, daysPerUnit));
  let value = 0;
  let previous = 0;
  let discount = 1;
  for (let k = 1; k <= horizon; k++) {
    const cumulative = model.expectedPurchasesConditional(params, customer, k);
    discount *= factor;
    value += (cumulative - previous) * discount;
    previous = cumulative;
  }
  return value;
}

/**
 * Purchase-process scores depend on a customer only through (x, t_x, T), so
 * they are computed once per distinct group — tens of thousands for a
 * million customers — and spend is applied per customer in SQL. Within a
 * group, the costly part (the expectation of a customer known to be alive,
 * a hypergeometric series per horizon step) depends on x and T only, so it
 * is computed once per (x, T) for every step of the horizon and weighted per
 * group (PurchaseModel.weighting): the same arithmetic as
 * discountedPurchases, so the figures are identical, with a fraction of the
 * series. A figure that is not finite (or a P(alive) outside [0, 1]) is a
 * ScoringError: storing it would publish nonsense, and the database would
 * refuse a NaN turned null anyway.
 */
export function scoreGroups(
  model: PurchaseModel,
  params: PurchaseModelParams,
  groups: readonly Pick<FrequencyRecencyGroup, 'x' | 'txDays' | 'tDays'>[],
  daysPerUnit: number,
): GroupScore[] {
  const horizon = horizonUnits(DEFAULT_HORIZON_WEEKS, daysPerUnit);
  const factor = 1 / (1 + periodDiscountRate(DEFAULT_ANNUAL_DISCOUNT_RATE, daysPerUnit));
  // Per (x, T): the alive expectation at steps 1…horizon, and at DEFAULT_PERIODS.
  const ifAlive = new Map<string, { steps: Float64Array; periods: number }>();
  const curveOf = (x: number, T: number) => {
    const key = `${x}/${T}`;
    let curve = ifAlive.get(key);
    if (!curve) {
      const steps = new Float64Array(horizon + 1);
      for (let k = 1; k <= horizon; k++) steps[k] = model.expectedPurchasesIfAlive(params, { x, T }, k);
      const periods =
        DEFAULT_PERIODS <= horizon ? steps[DEFAULT_PERIODS] : model.expectedPurchasesIfAlive(params, { x, T }, DEFAULT_PERIODS);
      curve = { steps, periods };
      ifAlive.set(key, curve);
    }
    return curve;
  };
  return groups.map((g) => {
    const customer = { x: g.x, tx: g.txDays / daysPerUnit, T: g.tDays / daysPerUnit };
    const curve = curveOf(customer.x, customer.T);
    const weigh = model.weighting(params, customer);
    let discounted = 0;
    let previous = 0;
    let discount = 1;
    for (let k = 1; k <= horizon; k++) {
      const cumulative = weigh(curve.steps[k]);
      discount *= factor;
      discounted += (cumulative - previous) * discount;
      previous = cumulative;
    }
    const score = {
      x: g.x,
      tx_days: g.txDays,
      t_days: g.tDays,
      p_alive: model.probabilityAlive(params, customer),
      expected_purchases: weigh(curve.periods),
      discounted,
    };
    const finite = Number.isFinite(score.expected_purchases) && Number.isFinite(score.discounted);
    if (!finite || !(score.p_alive >= 0 && score.p_alive <= 1)) {
      throw new ScoringError(
        `${model.label} gives P(alive) ${score.p_alive}, expected purchases ${score.expected_purchases} for x = ${g.x}, t_x = ${customer.tx}, T = ${customer.T}`,
      );
    }
    return score;
  });
}
