// Pareto/NBD model (Schmittlein, Morrison & Colombo 1987, "Counting Your
// Customers: Who Are They and What Will They Do Next?", Management Science
// 33(1)), with the expressions of Fader & Hardie (2005), "A Note on Deriving
// the Pareto/NBD Model and Related Expressions" (brucehardie.com/notes/009).
//
// While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
// their lifetime is exponential with rate μ ~ Gamma(s, β), starting at the
// first purchase. Unlike BG/NBD a customer can die before any repeat
// purchase, so a one-time buyer silent for long is probably gone.

import { validateFrequencyRecencyRows, type FrequencyRecencyRow, type PurchaseHistory } from './grouping';
import { fitPositiveParameters, invalidInput, type FitOptions, type FitResult } from './maximum-likelihood';
import { hypergeometric2F1UnitA, logAddExp, logGamma, logPowerProductIntegral } from './special-functions';

export interface ParetoNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly s: number;
  readonly beta: number;
}

export const PARETO_NBD_PARAMETER_NAMES = ['r', 'alpha', 's', 'beta'] as const;

// Local aliases for the likelihood's hot loop (see special-functions.ts).
const { log, exp, expm1, log1p } = Math;
const NEGATIVE_INFINITY = Number.NEGATIVE_INFINITY;

/**
 * ln F(t), where F(t) = (r+s+x) ∫_t^∞ (α+τ)^−(r+x) (β+τ)^−(s+1) dτ is the
 * building block of the "died between t_x and T" term. Fader & Hardie's
 * (2005) note gives it with the larger of α, β, so that the ₂F₁ argument z
 * lies in [0, 1):
 *   α ≥ β: ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t)) / (α+t)^(r+s+x)
 *   α < β: ₂F₁(r+s+x, r+x; r+s+x+1; (β−α)/(β+t)) / (β+t)^(r+s+x)
 * Euler's transformation ₂F₁(a, b; c; z) = (1−z)^(c−a−b) ₂F₁(c−a, c−b; c; z)
 * (Abramowitz & Stegun 15.3.3) rewrites them as
 *   α ≥ β: (α+t)^−(r+x) (β+t)^−s ₂F₁(1, r+x; r+s+x+1; z)
 *   α < β: (α+t)^−(r+x−1) (β+t)^−(s+1) ₂F₁(1, s+1; r+s+x+1; z)
 * The untransformed series' terms grow like (x·z)ⁿ before they shrink and
 * overflow for heavy buyers; these shrink by at least z each, so the logs
 * stay exact for any x (see hypergeometric2F1UnitA).
 *
 * The series needs about 37/(1−z) terms and z = 1 − min/max(α+t, β+t) rounds
 * to 1 when one scale is 1e-16 of the other (an optimiser's line search goes
 * there): above Z_SERIES_LIMIT the integral is taken directly
 * (logPowerProductIntegral), which has no such edge.
 */
const Z_SERIES_LIMIT = 0.95;

function logF(r: number, alpha: number, s: number, beta: number, x: number, t: number): number {
  const c = r + s + x + 1;
  const larger = alpha >= beta ? alpha : beta;
  const z = (larger - (alpha >= beta ? beta : alpha)) / (larger + t);
  if (z > Z_SERIES_LIMIT) return log(r + s + x) + logPowerProductIntegral(r + x, s + 1, alpha + t, beta + t);
  if (alpha >= beta) return -(r + x) * log(alpha + t) - s * log(beta + t) + log(hypergeometric2F1UnitA(r + x, c, z));
  return (1 - r - x) * log(alpha + t) - (s + 1) * log(beta + t) + log(hypergeometric2F1UnitA(s + 1, c, z));
}

/** ln(eᵃ − eᵇ) for a ≥ b; −∞ when they are equal (or rounding made b > a). */
function logSubExp(a: number, b: number): number {
  if (!(a > b)) return NEGATIVE_INFINITY;
  return a + log(-expm1(b - a));
}

/**
 * The two parts of a customer's likelihood, without the factor
 * Γ(r+x) α^r β^s / Γ(r) they share (Fader & Hardie 2005 note):
 *   alive at T:               (α+T)^−(r+x) (β+T)^−s
 *   died in (t_x, T]:         s/(r+s+x) · [F(t_x) − F(T)]
 * F decreases in t, so the difference is positive; it is taken on the log
 * scale (logSubExp), and is exactly zero when t_x = T.
 */
function logLikelihoodParts(params: ParetoNbdParams, { x, tx, T }: PurchaseHistory): { alive: number; died: number } {
  const { r, alpha, s, beta } = params;
  const alive = -(r + x) * log(alpha + T) - s * log(beta + T);
  const died = log(s) - log(r + s + x) + logSubExp(logF(r, alpha, s, beta, x, tx), logF(r, alpha, s, beta, x, T));
  return { alive, died };
}

/**
 * Weighted log-likelihood (Fader & Hardie 2005 note; Schmittlein et al. 1987):
 *   L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A₀ ],
 *   A₀ = F(t_x) − F(T), both branches of α ≥ β / α < β as in `logF`.
 */
export function paretoNbdLogLikelihood(params: ParetoNbdParams, rows: Iterable<FrequencyRecencyRow>): number {
  const { r, alpha, s, beta } = params;
  // Outside the domain, NaN (what the optimiser steps back from): a step of ln θ past ~709 makes a scale
  // infinite, and the series argument (∞ − ∞)/∞ would make the special functions throw instead.
  if (![r, alpha, s, beta].every((v) => v > 0 && Number.isFinite(v))) return Number.NaN;
  const constant = -logGamma(r) + r * log(alpha) + s * log(beta);
  let total = 0;
  for (const row of rows) {
    const { alive, died } = logLikelihoodParts(params, row);
    total += (row.weight ?? 1) * (logGamma(r + row.x) + constant + logAddExp(alive, died));
  }
  return total;
}

export type ParetoNbdFitResult = FitResult<ParetoNbdParams>;

/**
 * Maximum-likelihood fit in log-parameter space on per-customer or weighted
 * rows (`groupByFrequencyRecency`), like `fitBgNbd`.
 */
export function fitParetoNbd(
  rows: readonly FrequencyRecencyRow[],
  options: FitOptions & { readonly initial?: ParetoNbdParams } = {},
): ParetoNbdFitResult {
  const problem = validateFrequencyRecencyRows(rows);
  if (problem !== null) return invalidInput(problem);
  return fitPositiveParameters(
    PARETO_NBD_PARAMETER_NAMES,
    (params) => paretoNbdLogLikelihood(params, rows),
    { ...(options.initial ?? { r: 1, alpha: 1, s: 1, beta: 1 }) },
    options,
  );
}

/**
 * P(alive at T | x, t_x, T) (Fader & Hardie 2005 note): the "alive"
 * part's share of the likelihood,
 *   1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A₀).
 * Below 1 for every customer who has not just bought (t_x < T), including
 * one-time buyers, and falling the longer they stay silent.
 */
export function paretoNbdProbabilityAlive(params: ParetoNbdParams, customer: PurchaseHistory): number {
  const { alive, died } = logLikelihoodParts(params, customer);
  return 1 / (1 + exp(died - alive));
}

/**
 * (1 − ((β+T)/(β+T+t))^k) / k with k = s − 1, via expm1/log1p so that it
 * stays exact as k → 0, where it tends to ln(1 + t/(β+T)) (the s = 1 case
 * that the textbook formula leaves as 0/0).
 */
function survivalIntegralFactor(k: number, t: number, betaPlusT: number): number {
  const logRatio = log1p(t / betaPlusT);
  return k === 0 ? logRatio : -expm1(-k * logRatio) / k;
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the next t time units, Fader &
 * Hardie (2005 note; Schmittlein et al. 1987):
 *   (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive).
 */
export function paretoNbdExpectedPurchasesConditional(params: ParetoNbdParams, customer: PurchaseHistory, t: number): number {
  if (t < 0) throw new RangeError(`t must be >= 0, got ${t}`);
  if (t === 0) return 0;
  return paretoNbdWeighting(params, customer)(paretoNbdExpectedPurchasesIfAlive(params, customer, t));
}

/** The expectation of a customer known to be alive, which depends on x and T only: shared by every customer with the same x and T. */
export function paretoNbdExpectedPurchasesIfAlive(params: ParetoNbdParams, customer: Pick<PurchaseHistory, 'x' | 'T'>, t: number): number {
  const { r, alpha, s, beta } = params;
  const { x, T } = customer;
  return ((r + x) * (beta + T) * survivalIntegralFactor(s - 1, t, beta + T)) / (alpha + T);
}

/** E[Y(t) | x, t_x, T] from the alive expectation: times the customer's P(alive), computed once per customer. */
export function paretoNbdWeighting(params: ParetoNbdParams, customer: PurchaseHistory): (ifAlive: number) => number {
  const alive = paretoNbdProbabilityAlive(params, customer);
  return (ifAlive) => ifAlive * alive;
}

/**
 * E[X(t)] for a customer who has just made their first purchase, Fader &
 * Hardie (2005 note):  rβ / (α(s−1)) · [1 − (β/(β+t))^(s−1)].
 */
export function paretoNbdExpectedPurchasesNewCustomer(params: ParetoNbdParams, t: number): number {
  return paretoNbdExpectedPurchasesConditional(params, { x: 0, tx: 0, T: 0 }, t);
}
