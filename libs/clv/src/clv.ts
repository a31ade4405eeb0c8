// Customer lifetime value for non-contractual customers: BG/NBD for how
// many purchases, a spend expectation (Gamma-Gamma) for how much each.
//
// Discrete-time approximation, stepping one model time unit at a time:
//
//   CLV = Σ_{k=1..H}  m · (E[Y(k) | x, t_x, T] − E[Y(k−1) | x, t_x, T]) / (1 + d)^k
//
// where E[Y(k) | …] is the BG/NBD expected number of purchases in the next k
// units, m the expected spend per purchase, H the horizon in units, and d the
// per-unit discount rate equivalent to the annual rate D:
//
//   d = (1 + D)^(daysPerUnit / 365.25) − 1
//
// Purchases expected during unit k are discounted as if made at its end (the
// same convention as `lifetimes`' customer_lifetime_value, there per month).
// Finer units converge to the continuously discounted expectation.

import { expectedPurchasesConditional, type BgNbdCustomer, type BgNbdParams } from './bg-nbd';

export const DAYS_PER_YEAR = 365.25;

export interface ClvInput {
  readonly bgNbd: BgNbdParams;
  readonly customer: BgNbdCustomer;
  /** Expected spend (or margin) per purchase, e.g. from Gamma-Gamma. */
  readonly expectedSpendPerPurchase: number;
  /** Horizon in model time units (e.g. 52 for a year in weeks). */
  readonly horizon: number;
  /** Annual discount rate, e.g. 0.1 for 10 %. */
  readonly annualDiscountRate: number;
  /** Length of the model's time unit in days: 7 for weeks. */
  readonly daysPerUnit: number;
}

export interface ClvResult {
  /** Discounted value over the horizon. */
  readonly value: number;
  /** Undiscounted expected purchases over the horizon. */
  readonly expectedPurchases: number;
  /** Discounted value contributed by each unit 1..H. */
  readonly valueByPeriod: number[];
}

/** Per-unit rate equivalent to an annual rate: (1 + D)^(daysPerUnit/365.25) − 1. */
export function periodDiscountRate(annualDiscountRate: number, daysPerUnit: number): number {
  return Math.pow(1 + annualDiscountRate, daysPerUnit / DAYS_PER_YEAR) - 1;
}

export function customerLifetimeValue(input: ClvInput): ClvResult {
  const { bgNbd, customer, expectedSpendPerPurchase, horizon, annualDiscountRate, daysPerUnit } = input;
  if (!Number.isInteger(horizon) || horizon < 0) throw new RangeError(`horizon must be a whole number of units`);
  if (!(annualDiscountRate > -1)) throw new RangeError('annual discount rate must be > -1');
  if (!(daysPerUnit > 0)) throw new RangeError('daysPerUnit must be positive');
  const discountFactor = 1 / (1 + periodDiscountRate(annualDiscountRate, daysPerUnit));

  const valueByPeriod: number[] = [];
  let value = 0;
  let previousCumulative = 0;
  let discount = 1;
  for (let k = 1; k <= horizon; k++) {
    const cumulative = expectedPurchasesConditional(bgNbd, customer, k);
    discount *= discountFactor;
    const periodValue = expectedSpendPerPurchase * (cumulative - previousCumulative) * discount;
    valueByPeriod.push(periodValue);
    value += periodValue;
    previousCumulative = cumulative;
  }
  return { value, expectedPurchases: previousCumulative, valueByPeriod };
}
