// Special functions the customer-base models need. Every likelihood in this
// library is evaluated on the log scale: gamma and beta functions of the
// parameters overflow doubles long before the models stop being meaningful.

// Module-level aliases: these functions run millions of times per fit, and
// in sandboxed runtimes (Jest's vm contexts) every lookup of a global such as
// `Math` or `Infinity` goes through an interceptor costing ~100× a local read.
const { abs, exp, log, log1p, sin, PI } = Math;
const POSITIVE_INFINITY = Number.POSITIVE_INFINITY;
const NEGATIVE_INFINITY = Number.NEGATIVE_INFINITY;
const HALF_LOG_TWO_PI = 0.5 * log(2 * PI);

// Lanczos approximation, g = 7, n = 9. Relative error is below 1e-15 for
// positive real arguments, which is double precision for our purposes.
const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;

/**
 * ln |Γ(x)|. Positive arguments are what the models use; the reflection
 * formula covers x < 0.5 so that tiny parameters (a → 0) stay accurate.
 * Returns +Infinity at the poles (0, −1, −2, …).
 */
export function logGamma(x: number): number {
  if (x !== x) return x; // NaN
  if (x === POSITIVE_INFINITY) return POSITIVE_INFINITY;
  if (x < 0.5) {
    if (Number.isInteger(x)) return POSITIVE_INFINITY; // pole at 0, −1, −2, …
    // Γ(x) Γ(1 − x) = π / sin(πx)
    return log(PI / abs(sin(PI * x))) - logGamma(1 - x);
  }
  const z = x - 1;
  let series = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) {
    series += LANCZOS_COEFFICIENTS[i] / (z + i);
  }
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * log(t) - t + log(series);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * ln Σ exp(v): shifts by the maximum so that neither the large nor the tiny
 * terms of a likelihood mixture underflow or overflow.
 */
export function logSumExp(values: readonly number[]): number {
  let max = NEGATIVE_INFINITY;
  for (const v of values) if (v > max) max = v;
  if (max === NEGATIVE_INFINITY || max === POSITIVE_INFINITY) return max;
  let sum = 0;
  for (const v of values) sum += exp(v - max);
  return max + log(sum);
}

/** Two-term log-sum-exp without allocating an array (hot path of BG/NBD). */
export function logAddExp(a: number, b: number): number {
  if (a === NEGATIVE_INFINITY) return b;
  if (b === NEGATIVE_INFINITY) return a;
  const max = a > b ? a : b;
  return max + log1p(exp(-abs(a - b)));
}

export interface HypergeometricOptions {
  /** Stop when a term is below this fraction of the running sum. */
  readonly relativeTolerance?: number;
  /** Guard against pathological inputs (z very close to 1). */
  readonly maxTerms?: number;
}

/**
 * Gauss hypergeometric function ₂F₁(a, b; c; z) by its power series, valid
 * for |z| < 1. That is the whole domain the BG/NBD expectations (z = t /
 * (α + T + t)) and the sBG discounted lifetime (z = 1 / (1 + d)) touch.
 * Near z = 1 the series converges slowly but surely when c > 0; callers with
 * large upper parameters should apply Euler's transformation first (see
 * bg-nbd.ts) so the terms do not grow before they shrink.
 */
export function hypergeometric2F1(a: number, b: number, c: number, z: number, options: HypergeometricOptions = {}): number {
  const relativeTolerance = options.relativeTolerance ?? 1e-16;
  const maxTerms = options.maxTerms ?? 1_000_000;
  if (!(abs(z) < 1)) {
    throw new RangeError(`hypergeometric2F1: series needs |z| < 1, got z = ${z}`);
  }
  if (c <= 0 && Number.isInteger(c)) {
    throw new RangeError(`hypergeometric2F1: c must not be a non-positive integer, got ${c}`);
  }
  let term = 1;
  let sum = 1;
  // Require a few consecutive negligible terms: a single tiny term can occur
  // when an upper parameter is close to a non-positive integer.
  let smallTermsInARow = 0;
  for (let n = 0; n < maxTerms; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (term === 0) return sum; // a or b is a non-positive integer: polynomial
    if (abs(term) <= relativeTolerance * abs(sum)) {
      if (++smallTermsInARow >= 3) return sum;
    } else {
      smallTermsInARow = 0;
    }
  }
  throw new RangeError(`hypergeometric2F1: no convergence after ${maxTerms} terms (z = ${z})`);
}

/**
 * ₂F₁(1, b; c; z) for c > b > 0 and 0 ≤ z < 1, the form the Pareto/NBD
 * likelihood takes after Euler's transformation (see pareto-nbd.ts). All
 * terms are positive and each is less than z times the one before, so
 * nothing cancels, the sum lies in [1, 1/(1−z)], and the remainder after a
 * term tₙ is at most tₙ·z/(1−z): we stop when that bound, not merely the
 * term, is negligible. Returns NaN rather than throwing when z is so close
 * to 1 that `maxTerms` is not enough, because the caller is an optimiser's
 * objective, for which NaN means "outside the usable domain".
 */
export function hypergeometric2F1UnitA(b: number, c: number, z: number, maxTerms = 1_000_000): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hypergeometric2F1UnitA: needs 0 <= z < 1, got z = ${z}`);
  if (!(c > b && b > 0)) throw new RangeError(`hypergeometric2F1UnitA: needs c > b > 0, got b = ${b}, c = ${c}`);
  const tailFactor = z / (1 - z);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < maxTerms; n++) {
    term *= ((b + n) * z) / (c + n);
    sum += term;
    if (term * tailFactor <= 1e-16 * sum) return sum;
  }
  return NaN;
}

/**
 * ln ∫₀^∞ (a+u)^−p (b+u)^−q du for a, b > 0, p, q > 0 and p + q > 1: the
 * Pareto/NBD integral F(t) itself, for arguments where its ₂F₁ series is
 * useless (z = |α−β|/(max(α,β)+t) within rounding of 1, e.g. β/α = 1e-17 at
 * t = 0, reached by an optimiser's line search).
 *
 * With u = eʸ the integrand g(y) = exp(y − p·ln(a+eʸ) − q·ln(b+eʸ)) is
 * log-concave (its log's derivative 1 − p·σ(y−ln a) − q·σ(y−ln b) falls),
 * smooth, and analytic in the strip |Im y| < π (its singularities are at
 * eʸ = −a, −b), so the trapezoidal rule with step h errs by about
 * exp(−2π²/h) — below 1e-30 for h = 0.25 (Trefethen & Weideman 2014,
 * "The exponentially convergent trapezoidal rule", SIAM Review 56(3)). The
 * sum starts at the mode (found by bisection on that derivative) and walks
 * out each way; past the mode each term is at most k times the one before
 * (k = the last ratio, by log-concavity), so the rest is below t·k/(1−k) and
 * we stop when that is negligible. Everything is scaled by g(mode), so
 * nothing overflows for heavy buyers (large p). Returns NaN for arguments
 * outside the domain, like the objective functions that call it expect.
 */
export function logPowerProductIntegral(p: number, q: number, a: number, b: number): number {
  if (!(a > 0 && b > 0 && p > 0 && q > 0 && p + q > 1) || a === POSITIVE_INFINITY || b === POSITIVE_INFINITY) return NaN;
  const logA = log(a);
  const logB = log(b);
  const logG = (y: number) => y - p * logAddExp(logA, y) - q * logAddExp(logB, y);
  const slope = (y: number) => 1 - p / (1 + exp(logA - y)) - q / (1 + exp(logB - y));
  let low = (logA < logB ? logA : logB) - 60;
  let high = (logA > logB ? logA : logB) + 60;
  for (let i = 0; i < 60; i++) {
    const mid = 0.5 * (low + high);
    if (slope(mid) > 0) low = mid;
    else high = mid;
  }
  const mode = 0.5 * (low + high);
  const peak = logG(mode);
  const h = 0.25;
  let sum = 1;
  for (const direction of [1, -1]) {
    let previous = 1;
    for (let n = 1; n < 1_000_000; n++) {
      const term = exp(logG(mode + direction * n * h) - peak);
      sum += term;
      const ratio = term / previous;
      previous = term;
      if (term === 0 || (ratio < 1 && (term * ratio) / (1 - ratio) <= 1e-17 * sum)) break;
    }
  }
  return peak + log(sum * h);
}
