/**
 * Uplift of a variant over the control group, with the two-proportion
 * z-test (pooled standard error) and its two-sided p-value. Pure maths,
 * unit-tested against a hand-computed example.
 */
export interface Proportion {
  conversions: number;
  size: number;
}

export interface UpliftTest {
  /** Variant rate − control rate. */
  uplift: number;
  zScore: number | null;
  pValue: number | null;
}

export function rate(p: Proportion): number {
  return p.size === 0 ? 0 : p.conversions / p.size;
}

export function twoProportionTest(variant: Proportion, control: Proportion): UpliftTest {
  const uplift = rate(variant) - rate(control);
  if (variant.size === 0 || control.size === 0) return { uplift, zScore: null, pValue: null };
  const pooled = (variant.conversions + control.conversions) / (variant.size + control.size);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / variant.size + 1 / control.size));
  // No variation at all (nobody or everybody converted): no evidence either way.
  if (se === 0) return { uplift, zScore: null, pValue: uplift === 0 ? 1 : null };
  const zScore = uplift / se;
  return { uplift, zScore, pValue: Math.min(1, erfc(Math.abs(zScore) / Math.SQRT2)) };
}

/**
 * Complementary error function, to full double precision: the Maclaurin
 * series of erf below 2 (its terms shrink fast there), and above it the
 * continued fraction erfc(x) = e^(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …))))
 * evaluated with the modified Lentz method.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (x > 27) return 0;
  const tiny = 1e-300;
  // f = x + K(a_n / x) with a_n = n/2.
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (f * Math.sqrt(Math.PI));
}
