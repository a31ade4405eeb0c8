// MBG/NBD model (Batislam, Denizel & Filiztekin 2007, "Empirical validation
// and comparison of models for customer base analysis", International
// Journal of Research in Marketing 24(3); the same model as Hoppe & Wagner's
// 2007 CBG/NBD, as implemented by BTYDplus and lifetimes).
//
// BG/NBD with one change: a customer may also drop out right after the first
// purchase, not only after repeat purchases. While alive they buy as a
// Poisson process with rate λ ~ Gamma(r, α); after every purchase, the first
// included, they become inactive with probability p ~ Beta(a, b). So a
// one-time buyer's P(alive) is below 1 and falls as they stay silent, where
// BG/NBD holds it at exactly 1.

import { validateFrequencyRecencyRows, type FrequencyRecencyRow, type PurchaseHistory } from './grouping';
import { fitPositiveParameters, invalidInput, type FitOptions, type FitResult } from './maximum-likelihood';
import { hypergeometric2F1, logAddExp, logGamma } from './special-functions';

export interface MbgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

export const MBG_NBD_PARAMETER_NAMES = ['r', 'alpha', 'a', 'b'] as const;

// Local alias for the likelihood's hot loop (see special-functions.ts).
const { log } = Math;

/**
 * ln of a/(b+x) · ((α+T)/(α+t_x))^(r+x): the odds that the customer dropped
 * out right after their last purchase rather than being alive at T.
 */
function logDropoutOdds({ r, alpha, a, b }: MbgNbdParams, { x, tx, T }: PurchaseHistory): number {
  return log(a) - log(b + x) + (r + x) * (log(alpha + T) - log(alpha + tx));
}

/**
 * Weighted log-likelihood, Batislam et al. (2007) on the log scale:
 *   L = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / Γ(r) · [ (α+T)^−(r+x)
 *       + a/(b+x) · (α+t_x)^−(r+x) ]
 * Compared with BG/NBD (FHL 2005 eq. 6) the survival factor has b+x+1 for b+x
 * (one more survived drop-out chance) and the second term has no δ(x>0):
 * it is present for one-time buyers too.
 */
export function mbgNbdLogLikelihood(params: MbgNbdParams, rows: Iterable<FrequencyRecencyRow>): number {
  const { r, alpha, a, b } = params;
  const logGammaR = logGamma(r);
  const logGammaB = logGamma(b);
  const logGammaAB = logGamma(a + b);
  const rLogAlpha = r * log(alpha);
  let total = 0;
  for (const row of rows) {
    const { x, T } = row;
    const purchaseTerm = logGamma(r + x) - logGammaR + rLogAlpha;
    const dropoutTerm = logGammaAB + logGamma(b + x + 1) - logGammaB - logGamma(a + b + x + 1);
    const stillAlive = -(r + x) * log(alpha + T);
    total += (row.weight ?? 1) * (purchaseTerm + dropoutTerm + logAddExp(stillAlive, stillAlive + logDropoutOdds(params, row)));
  }
  return total;
}

export type MbgNbdFitResult = FitResult<MbgNbdParams>;

/** Maximum-likelihood fit, like `fitBgNbd` (per-customer or weighted rows). */
export function fitMbgNbd(
  rows: readonly FrequencyRecencyRow[],
  options: FitOptions & { readonly initial?: MbgNbdParams } = {},
): MbgNbdFitResult {
  const problem = validateFrequencyRecencyRows(rows);
  if (problem !== null) return invalidInput(problem);
  return fitPositiveParameters(
    MBG_NBD_PARAMETER_NAMES,
    (params) => mbgNbdLogLikelihood(params, rows),
    { ...(options.initial ?? { r: 1, alpha: 1, a: 1, b: 1 }) },
    options,
  );
}

/**
 * P(alive at T | x, t_x, T), Batislam et al. (2007):
 *   1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)),
 * for x = 0 too: 1 / (1 + a/b · ((α+T)/α)^r), which falls as T grows.
 */
export function mbgNbdProbabilityAlive(params: MbgNbdParams, customer: PurchaseHistory): number {
  return 1 / (1 + Math.exp(logDropoutOdds(params, customer)));
}

/**
 * E[Y(t) | x, t_x, T], Batislam et al. (2007):
 *   (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x+1; a+b+x; z)]
 *   · P(alive),   z = t/(α+T+t).
 */
export function mbgNbdExpectedPurchasesConditional(params: MbgNbdParams, customer: PurchaseHistory, t: number): number {
  if (t < 0) throw new RangeError(`t must be >= 0, got ${t}`);
  if (t === 0) return 0;
  return mbgNbdWeighting(params, customer)(mbgNbdExpectedPurchasesIfAlive(params, customer, t));
}

/** The bracketed factor (times its constant), which depends on x and T only: shared by every customer with the same x and T. */
export function mbgNbdExpectedPurchasesIfAlive(params: MbgNbdParams, customer: Pick<PurchaseHistory, 'x' | 'T'>, t: number): number {
  return expectedPurchasesIfAlive(params, customer.x, customer.T, t);
}

/** E[Y(t) | x, t_x, T] from the factor: times the customer's P(alive), computed once per customer. */
export function mbgNbdWeighting(params: MbgNbdParams, customer: PurchaseHistory): (ifAlive: number) => number {
  const alive = mbgNbdProbabilityAlive(params, customer);
  return (ifAlive) => ifAlive * alive;
}

/**
 * E[X(t)] for a customer who has just made their first purchase, Batislam
 * et al. (2007):  b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))].
 * This is the conditional formula at x = t_x = T = 0 (where P(alive) is
 * b/(a+b), the chance of surviving the first drop-out opportunity).
 */
export function mbgNbdExpectedPurchasesNewCustomer(params: MbgNbdParams, t: number): number {
  return mbgNbdExpectedPurchasesConditional(params, { x: 0, tx: 0, T: 0 }, t);
}

/**
 * The bracketed factor of E[Y(t) | …] times (a+b+x)/(a−1). As in bg-nbd.ts, Euler's
 * transformation
 *   (1−z)^(r+x) ₂F₁(r+x, b+x+1; c; z) = (1−z)^(a−1) ₂F₁(a+b−r, a−1; c; z),
 * c = a+b+x, keeps the series' terms from growing like (x·z)ⁿ and
 * overflowing for heavy buyers.
 */
function expectedPurchasesIfAlive(params: MbgNbdParams, x: number, T: number, t: number): number {
  const evaluate = (a: number): number => {
    const { r, alpha, b } = params;
    const z = t / (alpha + T + t);
    const c = a + b + x;
    const transformed = Math.pow(1 - z, a - 1) * hypergeometric2F1(a + b - r, a - 1, c, z);
    return ((a + b + x) / (a - 1)) * (1 - transformed);
  };
  // a = 1 is a removable singularity (0/0); the mean of the two sides is
  // accurate to O(δ²) because the expression is smooth in a.
  const delta = 1e-5;
  if (Math.abs(params.a - 1) < delta) return (evaluate(1 - delta) + evaluate(1 + delta)) / 2;
  return evaluate(params.a);
}
