// Shifted-beta-geometric (sBG) retention model for contractual settings
// (Fader & Hardie 2007, "How to Project Customer Retention", Journal of
// Interactive Marketing 21(1)).
//
// Each customer renews every period with a constant probability 1 − θ, and θ
// varies across customers as Beta(α, β). Heterogeneity alone makes cohort
// retention rates rise over time (the worst customers leave first), which is
// why it projects retention far better than a fitted curve.

import { fitPositiveParameters, invalidInput, type FitOptions, type FitResult } from './maximum-likelihood';
import { hypergeometric2F1, logBeta } from './special-functions';

export interface SbgParams {
  readonly alpha: number;
  readonly beta: number;
}

const PARAMETER_NAMES = ['alpha', 'beta'] as const;

/** S(t) = B(α, β+t) / B(α, β): share of a cohort still a customer after t periods. */
export function sbgSurvival({ alpha, beta }: SbgParams, t: number): number {
  if (t <= 0) return 1;
  return Math.exp(logBeta(alpha, beta + t) - logBeta(alpha, beta));
}

/** P(T = t) = B(α+1, β+t−1) / B(α, β): probability of churning at period t ≥ 1. */
export function sbgChurnProbability({ alpha, beta }: SbgParams, t: number): number {
  if (t < 1) return 0;
  return Math.exp(logBeta(alpha + 1, beta + t - 1) - logBeta(alpha, beta));
}

/** r_t = S(t)/S(t−1) = (β+t−1)/(α+β+t−1): retention rate in period t ≥ 1. */
export function sbgRetentionRate({ alpha, beta }: SbgParams, t: number): number {
  return (beta + t - 1) / (alpha + beta + t - 1);
}

/**
 * Churn hazard h_t = 1 − r_t = α/(α+β+t−1): the probability that a customer
 * still there at the start of period t ≥ 1 (after t−1 renewals) cancels in
 * it, P(T = t | T > t−1). Falls with t: a cohort's survivors are ever more
 * the customers with a low θ.
 */
export function sbgChurnHazard({ alpha, beta }: SbgParams, t: number): number {
  return alpha / (alpha + beta + t - 1);
}

/** S(0), S(1), …, S(periods). */
export function sbgSurvivalCurve(params: SbgParams, periods: number): number[] {
  return Array.from({ length: periods + 1 }, (_, t) => sbgSurvival(params, t));
}

/**
 * Log-likelihood of a cohort's survivor counts n_0 ≥ n_1 ≥ … ≥ n_k
 * (FH 2007 eq. 7): (n_{t−1} − n_t) customers churned in period t, and the
 * n_k still active are right-censored (all we know is T > k).
 */
export function sbgLogLikelihood(params: SbgParams, survivors: readonly number[]): number {
  const { alpha, beta } = params;
  // Recursions on the log scale (FH 2007 eq. 5 and 6).
  let logChurn = Math.log(alpha) - Math.log(alpha + beta); // ln P(T = 1)
  let logSurvival = 0; // ln S(0)
  let total = 0;
  for (let t = 1; t < survivors.length; t++) {
    if (t > 1) logChurn += Math.log(beta + t - 2) - Math.log(alpha + beta + t - 1);
    logSurvival += Math.log(beta + t - 1) - Math.log(alpha + beta + t - 1);
    const churned = survivors[t - 1] - survivors[t];
    if (churned > 0) total += churned * logChurn;
  }
  const censored = survivors[survivors.length - 1];
  return censored > 0 ? total + censored * logSurvival : total;
}

/** Fit α, β to survivor counts starting with the cohort size at period 0. */
export function fitSbg(survivors: readonly number[], options: FitOptions = {}): FitResult<SbgParams> {
  if (survivors.length < 2) return invalidInput('need the cohort size and at least one later count');
  if (!(survivors[0] > 0)) return invalidInput('cohort size must be positive');
  for (let t = 1; t < survivors.length; t++) {
    if (!(survivors[t] >= 0 && survivors[t] <= survivors[t - 1])) {
      return invalidInput(`survivor counts must be non-negative and non-increasing (period ${t})`);
    }
  }
  return fitPositiveParameters(PARAMETER_NAMES, (params) => sbgLogLikelihood(params, survivors), { alpha: 1, beta: 1 }, options);
}

/** Expected survivors cohortSize · S(t) for t = fromPeriod … toPeriod. */
export function projectSurvivors(params: SbgParams, cohortSize: number, fromPeriod: number, toPeriod: number): number[] {
  const projection: number[] = [];
  for (let t = fromPeriod; t <= toPeriod; t++) projection.push(cohortSize * sbgSurvival(params, t));
  return projection;
}

/**
 * Discounted expected residual lifetime (Fader & Hardie 2010, "Customer-Base
 * Valuation in a Contractual Setting: The Perils of Ignoring Heterogeneity",
 * Marketing Science 29(1), eq. 6) of a customer who has made `renewals`
 * renewals and is about to decide on the next one (n = renewals + 1):
 *   DERL = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d))
 *        = Σ_{t≥n} P(T > t | T > n−1) / (1+d)^(t−n).
 * Counted in payments, the next one undiscounted; multiply by the margin per
 * period for a residual value. `discountRate` is per period and must be > 0.
 */
export function discountedExpectedResidualLifetime({ alpha, beta }: SbgParams, discountRate: number, renewals: number): number {
  if (!(discountRate > 0)) throw new RangeError('discount rate must be > 0 for a finite DERL');
  const n = renewals + 1;
  return ((beta + n - 1) / (alpha + beta + n - 1)) * hypergeometric2F1(1, beta + n, alpha + beta + n, 1 / (1 + discountRate));
}
