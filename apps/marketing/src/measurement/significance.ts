import { erfc, rate, twoProportionTest, type Proportion } from './uplift';

/**
 * The statistics behind "roll out successes": confidence intervals for a
 * difference of conversion rates, Holm–Bonferroni adjustment across a
 * family of comparisons, and the per-group sample size a test needs to see
 * a given effect. Pure maths, no I/O; unit-tested in significance.spec.ts.
 */

/** Standard normal CDF Φ(x), from erfc to near double precision. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/**
 * Inverse of Φ: Acklam's rational approximation (relative error < 1.2e-9)
 * refined by one Halley step against normalCdf, which brings it to ~1e-15.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Two-sided interval of confidence `level` (e.g. 0.95) for rate(a) − rate(b): Wald, unpooled; null without data. */
export function differenceInterval(a: Proportion, b: Proportion, level: number): { low: number; high: number } | null {
  if (a.size === 0 || b.size === 0) return null;
  const pa = rate(a);
  const pb = rate(b);
  const se = Math.sqrt((pa * (1 - pa)) / a.size + (pb * (1 - pb)) / b.size);
  const z = normalQuantile(1 - (1 - level) / 2);
  return { low: pa - pb - z * se, high: pa - pb + z * se };
}

/**
 * Holm–Bonferroni adjusted p-values, in the order given: sorted ascending,
 * the i-th smallest (from 0) is multiplied by m − i, made monotone and
 * capped at 1. Rejecting where the adjusted value ≤ α keeps the chance of
 * any false positive in the family at most α, whatever the dependence.
 * A missing p-value (no test possible) counts as 1.
 */
export function holmAdjust(pValues: readonly (number | null)[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p: p ?? 1, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

export interface SampleSizePlan {
  /** The rate the effect is measured from (the control's, or the variants' pooled rate). */
  baseline: number;
  /** Absolute difference in conversion rate to detect, e.g. 0.02 for two percentage points. */
  effect: number;
  /** Family-wise significance level. */
  alpha: number;
  /** Chance to detect the effect when it is there, e.g. 0.8. */
  power: number;
  /** Comparisons in the family; α is split Bonferroni-wise for the plan (Holm never needs more). */
  comparisons: number;
}

/**
 * Members each group needs for a two-sided two-proportion z-test to detect
 * `effect` from `baseline` with the given power (Fleiss' normal
 * approximation, without continuity correction):
 * n = (z₁₋α′/₂·√(2·p̄·q̄) + z_power·√(p₁q₁ + p₂q₂))² / δ², α′ = α / comparisons.
 * The effect is looked for upwards, or downwards when baseline + effect > 1.
 */
export function minimumSampleSize(plan: SampleSizePlan): number {
  const { effect, alpha, power } = plan;
  const p1 = Math.min(1, Math.max(0, plan.baseline));
  const p2 = p1 + effect <= 1 ? p1 + effect : p1 - effect;
  const mean = (p1 + p2) / 2;
  const zAlpha = normalQuantile(1 - alpha / Math.max(1, plan.comparisons) / 2);
  const zPower = normalQuantile(power);
  const n = (zAlpha * Math.sqrt(2 * mean * (1 - mean)) + zPower * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / effect ** 2;
  // Rounding away floating-point dust before the ceiling: 42.0000000001 needs 42, not 43.
  return Math.max(2, Math.ceil(n - 1e-9));
}

export interface ExperimentDesign {
  /** Family-wise significance level α. */
  alpha: number;
  power: number;
  /** Absolute difference in conversion rate the test is planned to detect. */
  minimumDetectableEffect: number;
  /**
   * The control's conversion rate expected when the test was planned; with
   * it the sample size is fixed in advance. Without it the observed rate is
   * used, which moves the bar as results come in.
   */
  baselineRate: number | null;
}

export interface ArmResult extends Proportion {
  key: string;
}

export interface Comparison {
  /** The variant compared. */
  variantKey: string;
  /** The other variant's key, or CONTROL. */
  against: string;
  /** rate(variant) − rate(against). */
  difference: number;
  /** Interval at confidence 1 − α for the difference (not adjusted for multiplicity). */
  low: number | null;
  high: number | null;
  zScore: number | null;
  pValue: number | null;
  /** Holm–Bonferroni adjusted over every comparison of the campaign. */
  adjustedPValue: number;
  /** adjustedPValue ≤ α. */
  significant: boolean;
}

export interface WinnerDecision {
  /** The variant that beat every other variant and the control group significantly; null when none did. */
  winner: string | null;
  /** The variant with the best rate so far (a candidate, not a verdict). */
  leading: string | null;
  /** Why there is no winner (empty when there is one). */
  reasons: string[];
  comparisons: Comparison[];
  /** Members each group needs before a verdict; null when there is nothing to compare. */
  minimumSampleSize: number | null;
  /** The rate the sample size was planned from. */
  baseline: number | null;
}

export const CONTROL = 'CONTROL';

/**
 * The verdict on an A/B(/n) test. The family is every variant against the
 * control group and every pair of variants; p-values are Holm-adjusted
 * across it. A variant wins only if every group has reached the planned
 * sample size and the variant is significantly better than each other
 * variant and than the control group. Anything less is a list of reasons.
 */
export function decideWinner(variants: readonly ArmResult[], control: Proportion | null, design: ExperimentDesign): WinnerDecision {
  const arms = variants.filter((v) => v.size > 0);
  const pairs: { a: ArmResult; b: Proportion; against: string }[] = [];
  if (control) for (const v of arms) pairs.push({ a: v, b: control, against: CONTROL });
  for (let i = 0; i < arms.length; i++)
    for (let j = i + 1; j < arms.length; j++) pairs.push({ a: arms[i], b: arms[j], against: arms[j].key });
  const tests = pairs.map((p) => twoProportionTest(p.a, p.b));
  const adjusted = holmAdjust(tests.map((t) => t.pValue));
  const level = 1 - design.alpha;
  const comparisons: Comparison[] = pairs.map((p, i) => {
    const ci = differenceInterval(p.a, p.b, level);
    return {
      variantKey: p.a.key,
      against: p.against,
      difference: tests[i].uplift,
      low: ci?.low ?? null,
      high: ci?.high ?? null,
      zScore: tests[i].zScore,
      pValue: tests[i].pValue,
      adjustedPValue: adjusted[i],
      significant: tests[i].pValue !== null && adjusted[i] <= design.alpha,
    };
  });
  const ranked = [...arms].sort((x, y) => rate(y) - rate(x) || x.key.localeCompare(y.key));
  const leading = ranked[0]?.key ?? null;
  if (arms.length === 0)
    return { winner: null, leading, reasons: ['no variant has reached anyone yet'], comparisons, minimumSampleSize: null, baseline: null };
  if (pairs.length === 0) {
    return {
      winner: null,
      leading,
      reasons: ['a single variant without a control group has nothing to be tested against'],
      comparisons,
      minimumSampleSize: null,
      baseline: null,
    };
  }
  const pooled = (xs: readonly Proportion[]) => rate({ conversions: sum(xs, (x) => x.conversions), size: sum(xs, (x) => x.size) });
  const baseline = design.baselineRate ?? (control && control.size > 0 ? rate(control) : pooled(arms));
  const needed = minimumSampleSize({
    baseline,
    effect: design.minimumDetectableEffect,
    alpha: design.alpha,
    power: design.power,
    comparisons: pairs.length,
  });
  const reasons: string[] = [];
  const groups: { key: string; size: number }[] = [...arms, ...(control ? [{ key: CONTROL, size: control.size }] : [])];
  for (const g of groups) {
    if (g.size < needed)
      reasons.push(
        `${g.key} has ${g.size} of the ${needed} members each group needs to detect a difference of ${design.minimumDetectableEffect} ` +
          `from a rate of ${round(baseline)} (α ${design.alpha}, power ${design.power}, ${pairs.length} comparison${pairs.length > 1 ? 's' : ''})`,
      );
  }
  const best = ranked[0];
  if (ranked[1] && rate(ranked[1]) === rate(best)) reasons.push(`${best.key} and ${ranked[1].key} convert at the same rate`);
  for (const c of comparisons) {
    const involves = c.variantKey === best.key || c.against === best.key;
    if (!involves) continue;
    const other = c.variantKey === best.key ? c.against : c.variantKey;
    const favours = c.variantKey === best.key ? c.difference > 0 : c.difference < 0;
    if (!c.significant || !favours)
      reasons.push(
        `${best.key} is not significantly better than ${other} (adjusted p = ${c.pValue === null ? 'n/a' : round(c.adjustedPValue)}, α ${design.alpha})`,
      );
  }
  return { winner: reasons.length === 0 ? best.key : null, leading, reasons, comparisons, minimumSampleSize: needed, baseline };
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  return xs.reduce((s, x) => s + f(x), 0);
}

function round(x: number): string {
  return Number(x.toPrecision(3)).toString();
}
