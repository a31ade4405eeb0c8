// BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
// Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2)).
//
// While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
// after each purchase they become inactive with probability p ~ Beta(a, b).
// A customer is summarised by x (repeat purchases), t_x (time of the last
// purchase) and T (time since the first purchase), all from `summary.ts`.

import { validateFrequencyRecencyRows, type FrequencyRecencyRow } from './grouping';
import { fitPositiveParameters, invalidInput, type FitOptions, type FitResult } from './maximum-likelihood';
import { hypergeometric2F1, logAddExp, logGamma } from './special-functions';

export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

export interface BgNbdCustomer {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
}

export const BG_NBD_PARAMETER_NAMES = ['r', 'alpha', 'a', 'b'] as const;

// Local aliases for the likelihood's hot loop (see special-functions.ts).
const { log } = Math;
const NEGATIVE_INFINITY = Number.NEGATIVE_INFINITY;

/**
 * Weighted log-likelihood, FHL (2005) eq. 6, on the log scale:
 *   L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / Γ(r) · [ (α+T)^−(r+x)
 *       + δ(x>0) · a/(b+x−1) · (α+t_x)^−(r+x) ]
 * The bracket is combined with log-sum-exp: for heavy buyers both terms
 * underflow in linear space.
 */
export function bgNbdLogLikelihood(params: BgNbdParams, rows: Iterable<FrequencyRecencyRow>): number {
  const { r, alpha, a, b } = params;
  // Terms that do not depend on the customer, hoisted out of the loop.
  const logGammaR = logGamma(r);
  const logGammaB = logGamma(b);
  const logGammaAB = logGamma(a + b);
  const rLogAlpha = r * log(alpha);
  const logA = log(a);
  let total = 0;
  for (const { x, tx, T, weight = 1 } of rows) {
    const purchaseTerm = logGamma(r + x) - logGammaR + rLogAlpha;
    const dropoutTerm = logGammaAB + logGamma(b + x) - logGammaB - logGamma(a + b + x);
    const stillAlive = -(r + x) * log(alpha + T);
    const droppedOutAfterLast = x > 0 ? logA - log(b + x - 1) - (r + x) * log(alpha + tx) : NEGATIVE_INFINITY;
    total += weight * (purchaseTerm + dropoutTerm + logAddExp(stillAlive, droppedOutAfterLast));
  }
  return total;
}

export type BgNbdFitResult = FitResult<BgNbdParams>;

/**
 * Maximum-likelihood fit in log-parameter space. Rows may be per customer or
 * grouped with weights (`groupByFrequencyRecency`); the result is the same.
 */
export function fitBgNbd(
  rows: readonly FrequencyRecencyRow[],
  options: FitOptions & { readonly initial?: BgNbdParams } = {},
): BgNbdFitResult {
  const problem = validateFrequencyRecencyRows(rows);
  if (problem !== null) return invalidInput(problem);
  return fitPositiveParameters(
    BG_NBD_PARAMETER_NAMES,
    (params) => bgNbdLogLikelihood(params, rows),
    { ...(options.initial ?? { r: 1, alpha: 1, a: 1, b: 1 }) },
    options,
  );
}

/**
 * P(customer is still alive at T | x, t_x), FHL (2005) eq. 13 / the 2008 note
 * "Computing P(alive) using the BG/NBD model":
 *   1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).
 */
export function probabilityAlive(params: BgNbdParams, customer: BgNbdCustomer): number {
  const { x } = customer;
  if (x === 0) return 1;
  return 1 / (1 + Math.exp(logDropoutOdds(params, customer)));
}

function logDropoutOdds({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: BgNbdCustomer): number {
  return Math.log(a) - Math.log(b + x - 1) + (r + x) * Math.log((alpha + T) / (alpha + tx));
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the next t time units, FHL
 * (2005) eq. 10:
 *   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)]
 *   / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)),   z = t/(α+T+t).
 */
export function expectedPurchasesConditional(params: BgNbdParams, customer: BgNbdCustomer, t: number): number {
  if (t < 0) throw new RangeError(`t must be >= 0, got ${t}`);
  if (t === 0) return 0;
  return bgNbdWeighting(params, customer)(bgNbdExpectedPurchasesIfAlive(params, customer, t));
}

/** The numerator of eq. 10, which depends on x and T only (not t_x): shared by every customer with the same x and T. */
export function bgNbdExpectedPurchasesIfAlive(params: BgNbdParams, customer: Pick<BgNbdCustomer, 'x' | 'T'>, t: number): number {
  return expectedPurchasesIfAlive(params, customer.x, customer.T, t);
}

/** Eq. 10 from its numerator: divided by the customer's denominator (1 / P(alive)), computed once per customer. */
export function bgNbdWeighting(params: BgNbdParams, customer: BgNbdCustomer): (ifAlive: number) => number {
  const denominator = customer.x > 0 ? 1 + Math.exp(logDropoutOdds(params, customer)) : 1;
  return (ifAlive) => ifAlive / denominator;
}

/**
 * E[X(t)] for a customer who has just made their first purchase, FHL (2005)
 * eq. 9 — the conditional formula with x = t_x = T = 0.
 */
export function expectedPurchasesNewCustomer(params: BgNbdParams, t: number): number {
  return expectedPurchasesConditional(params, { x: 0, tx: 0, T: 0 }, t);
}

/**
 * Numerator of eq. 10. Euler's transformation
 *   (1−z)^(r+x) ₂F₁(r+x, b+x; c; z) = (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; c; z),
 * c = a+b+x−1, keeps the series' terms small: untransformed, they grow like
 * (x·z)^n before shrinking and overflow for heavy buyers.
 */
function expectedPurchasesIfAlive(params: BgNbdParams, x: number, T: number, t: number): number {
  const evaluate = (a: number): number => {
    const { r, alpha, b } = params;
    const z = t / (alpha + T + t);
    const c = a + b + x - 1;
    const transformed = Math.pow(1 - z, a - 1) * hypergeometric2F1(a + b - 1 - r, a - 1, c, z);
    return ((a + b + x - 1) / (a - 1)) * (1 - transformed);
  };
  // a = 1 is a removable singularity (0/0). The function is smooth in a, so
  // the mean of the two sides is accurate to O(δ²).
  const delta = 1e-5;
  if (Math.abs(params.a - 1) < delta) return (evaluate(1 - delta) + evaluate(1 + delta)) / 2;
  return evaluate(params.a);
}
