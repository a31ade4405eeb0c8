import { decimal, minorUnits } from '@rapport/money';
import { normalQuantile } from './significance';

/**
 * Revenue a group earned above what it would have earned at the control
 * group's rate, and the ROI of that — the money the campaign made, rather
 * than money its recipients would have spent anyway. Per-member revenue is
 * treated as a sample mean: the interval is the normal (Welch) interval of
 * the difference of two means, scaled to the group's size.
 */
export interface RevenueSample {
  /** Members measured (reach). */
  size: number;
  /** Exact decimal: revenue credited to the group. */
  revenue: string;
  /** Σ (revenue per member)², for the variance; members without revenue add 0. */
  sumOfSquares: number;
}

export interface IncrementalReturn {
  /** Exact decimal in the currency's minor units: revenue − control's revenue per member × size. */
  revenue: string;
  low: string;
  high: string;
  /** (incremental revenue − cost) / cost; null when nothing was spent. */
  roi: number | null;
  roiLow: number | null;
  roiHigh: number | null;
}

export function incrementalReturn(
  group: RevenueSample,
  control: RevenueSample,
  cost: string,
  currency: string,
  level: number,
): IncrementalReturn | null {
  if (group.size === 0 || control.size === 0) return null;
  const places = minorUnits(currency);
  const expected = decimal(control.revenue).times(group.size).dividedBy(control.size);
  const incremental = decimal(group.revenue).minus(expected).toDecimalPlaces(places);
  const z = normalQuantile(1 - (1 - level) / 2);
  const se = group.size * Math.sqrt(variance(group) / group.size + variance(control) / control.size);
  const margin = decimal(z * se);
  const low = incremental.minus(margin).toDecimalPlaces(places);
  const high = incremental.plus(margin).toDecimalPlaces(places);
  const spent = decimal(cost);
  const roiOf = (x: ReturnType<typeof decimal>) => (spent.isZero() ? null : x.minus(spent).dividedBy(spent).toNumber());
  return {
    revenue: incremental.toFixed(places),
    low: low.toFixed(places),
    high: high.toFixed(places),
    roi: roiOf(incremental),
    roiLow: roiOf(low),
    roiHigh: roiOf(high),
  };
}

/** Sample variance of per-member revenue (0 for fewer than two members). */
function variance(s: RevenueSample): number {
  if (s.size < 2) return 0;
  const mean = Number(s.revenue) / s.size;
  return Math.max(0, (s.sumOfSquares - s.size * mean * mean) / (s.size - 1));
}
