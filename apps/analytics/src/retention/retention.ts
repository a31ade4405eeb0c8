import { badUserInput } from '@rapport/auth';
import {
  discountedExpectedResidualLifetime,
  fitSbg,
  projectSurvivors,
  sbgChurnHazard,
  sbgChurnProbability,
  sbgRetentionRate,
  sbgSurvival,
} from '@rapport/clv';

export interface FitRetentionInput {
  survivors: number[];
  periods?: number | null;
  discountRate?: number | null;
}

export interface RetentionFit {
  converged: boolean;
  failureReason: string | null;
  alpha: number | null;
  beta: number | null;
  logLikelihood: number | null;
  iterations: number;
  /** Expected survivors in the `periods` periods after the last observed one. */
  projectedSurvivors: number[];
  /** Retention rate r_t = S(t)/S(t−1) for t = 1 … observed + projected periods. */
  retentionCurve: number[];
  /** Churn hazard h_t = 1 − r_t for t = 1 … observed + projected periods: the risk that a customer still there cancels in period t. */
  churnHazard: number[];
  /** Everything per period t = 1 … observed + projected, for a table or chart. */
  byPeriod: RetentionPeriod[];
  /** Discounted expected residual lifetime (in periods, next payment undiscounted) of a newly acquired customer. */
  derl: number | null;
}

/** One period of the fitted sBG. */
export interface RetentionPeriod {
  period: number;
  /** S(t): share of the cohort still a customer at the end of period t. */
  survival: number;
  /** r_t = S(t)/S(t−1). */
  retentionRate: number;
  /** h_t = 1 − r_t = α/(α+β+t−1) = P(cancel in t | still there at the start of t). */
  churnHazard: number;
  /** P(T = t) = S(t−1) − S(t): share of the whole cohort that cancels in t. */
  churnProbability: number;
  /** Whether t lies after the observed counts (a projection). */
  projected: boolean;
}

const MAX_OBSERVED = 200;
const MAX_PERIODS = 100;
const MIN_DISCOUNT_RATE = 0.001;

/**
 * sBG (Fader & Hardie 2007) on a cohort's survivor counts, synchronously: the
 * fit works on one short vector. Bad input is the caller's error; a fit that
 * does not converge says so and returns no numbers.
 */
export function fitRetention(input: FitRetentionInput): RetentionFit {
  const survivors = input.survivors ?? [];
  const periods = input.periods ?? 5;
  const discountRate = input.discountRate ?? 0.1;
  if (survivors.length < 2 || survivors.length > MAX_OBSERVED) {
    throw badUserInput('input.survivors', `give the cohort size and 1 to ${MAX_OBSERVED - 1} later counts`);
  }
  if (!survivors.every((n) => Number.isInteger(n) && n >= 0)) throw badUserInput('input.survivors', 'counts must be whole numbers >= 0');
  if (!Number.isInteger(periods) || periods < 0 || periods > MAX_PERIODS) {
    throw badUserInput('input.periods', `must be a whole number from 0 to ${MAX_PERIODS}`);
  }
  // DERL sums a series in 1/(1+d): below about 0.001 it converges too slowly to finish, and rounds to 1 (no sum) near 1e-16.
  if (!(discountRate >= MIN_DISCOUNT_RATE && discountRate <= 1)) {
    throw badUserInput('input.discountRate', `must be from ${MIN_DISCOUNT_RATE} to 1`);
  }
  const fit = fitSbg(survivors);
  if (!fit.ok) {
    if (fit.reason === 'invalid-input') throw badUserInput('input.survivors', fit.message);
    return {
      converged: false,
      failureReason: fit.message,
      alpha: null,
      beta: null,
      logLikelihood: null,
      iterations: fit.iterations,
      projectedSurvivors: [],
      retentionCurve: [],
      churnHazard: [],
      byPeriod: [],
      derl: null,
    };
  }
  const observed = survivors.length;
  const horizon = observed - 1 + periods;
  return {
    converged: true,
    failureReason: null,
    alpha: fit.params.alpha,
    beta: fit.params.beta,
    logLikelihood: fit.logLikelihood,
    iterations: fit.iterations,
    projectedSurvivors: periods > 0 ? projectSurvivors(fit.params, survivors[0], observed, observed + periods - 1) : [],
    retentionCurve: Array.from({ length: horizon }, (_, i) => sbgRetentionRate(fit.params, i + 1)),
    churnHazard: Array.from({ length: horizon }, (_, i) => sbgChurnHazard(fit.params, i + 1)),
    byPeriod: Array.from({ length: horizon }, (_, i) => {
      const t = i + 1;
      return {
        period: t,
        survival: sbgSurvival(fit.params, t),
        retentionRate: sbgRetentionRate(fit.params, t),
        churnHazard: sbgChurnHazard(fit.params, t),
        churnProbability: sbgChurnProbability(fit.params, t),
        projected: t >= observed,
      };
    }),
    derl: discountedExpectedResidualLifetime(fit.params, discountRate, 0),
  };
}
