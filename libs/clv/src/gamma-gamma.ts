// Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma Model of
// Monetary Value"; after Colombo & Jiang 1999).
//
// Each transaction value z ~ Gamma(p, ν); across customers ν ~ Gamma(q, γ).
// A customer's mean spend E(Z | ν) = p/ν, and its population mean pγ/(q−1)
// exists only when q > 1 — heavy-tailed spend (q ≤ 1) has no finite mean, so
// no CLV can be computed from it and we say so instead of returning numbers.
// Spend is assumed independent of the purchase process (check on your data).

import type { SpendRow } from './grouping';
import { fitPositiveParameters, invalidInput, type FitFailure, type FitOptions, type FitSuccess } from './maximum-likelihood';
import { logGamma } from './special-functions';

export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

const PARAMETER_NAMES = ['p', 'q', 'gamma'] as const;

// Local alias for the likelihood's hot loop (see special-functions.ts).
const { log } = Math;

/**
 * Weighted log-likelihood of the observed mean spends m̄ of repeat buyers
 * (rows with x = 0 carry no spend information and are skipped):
 *   f(m̄ | x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q m̄^(px−1) x^(px) / (γ + x m̄)^(px+q)
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, rows: Iterable<SpendRow>): number {
  const { p, q, gamma } = params;
  const constant = -logGamma(q) + q * log(gamma);
  let total = 0;
  for (const { x, monetaryValue: m, weight = 1 } of rows) {
    if (x <= 0) continue;
    const px = p * x;
    total += weight * (logGamma(px + q) - logGamma(px) + constant + (px - 1) * log(m) + px * log(x) - (px + q) * log(gamma + x * m));
  }
  return total;
}

/** Fitted, but q ≤ 1: valid estimates whose spend distribution has no mean. */
export interface GammaGammaMeanDoesNotExist {
  readonly ok: false;
  readonly reason: 'mean-does-not-exist';
  readonly message: string;
  readonly estimate: FitSuccess<GammaGammaParams>;
  readonly iterations: number;
  readonly converged: true;
}

export type GammaGammaFitResult = FitSuccess<GammaGammaParams> | FitFailure | GammaGammaMeanDoesNotExist;

/** Fit p, q, γ on repeat buyers (x > 0); rows may be grouped with weights. */
export function fitGammaGamma(
  rows: readonly SpendRow[],
  options: FitOptions & { readonly initial?: GammaGammaParams } = {},
): GammaGammaFitResult {
  const repeatBuyers = rows.filter((row) => row.x > 0 && (row.weight ?? 1) > 0);
  if (repeatBuyers.length === 0) return invalidInput('no repeat buyers (x > 0) to fit spend on');
  for (const { x, monetaryValue } of repeatBuyers) {
    if (!Number.isInteger(x)) return invalidInput(`x must be an integer, got ${x}`);
    // A zero mean spend has zero density under a gamma: it is a data problem
    // (free orders, refunds netted out) the caller must resolve, not noise.
    if (!(monetaryValue > 0)) return invalidInput(`repeat buyers need monetary value > 0, got ${monetaryValue}`);
  }
  const fit = fitPositiveParameters(
    PARAMETER_NAMES,
    (params) => gammaGammaLogLikelihood(params, repeatBuyers),
    { ...(options.initial ?? { p: 1, q: 1, gamma: 1 }) },
    options,
  );
  if (fit.ok && !(fit.params.q > 1)) {
    return {
      ok: false,
      reason: 'mean-does-not-exist',
      message: `q = ${fit.params.q.toPrecision(4)} <= 1: spend is too heavy-tailed for a finite mean`,
      estimate: fit,
      iterations: fit.iterations,
      converged: true,
    };
  }
  return fit;
}

export type SpendExpectation =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: 'mean-does-not-exist'; readonly message: string };

/** Population mean spend per transaction, pγ/(q−1); exists only if q > 1. */
export function populationMeanSpend({ p, q, gamma }: GammaGammaParams): SpendExpectation {
  if (!(q > 1)) return meanDoesNotExist(`q = ${q} <= 1`);
  return { ok: true, value: (p * gamma) / (q - 1) };
}

/**
 * E(Z | x, m̄) = p(γ + x m̄) / (px + q − 1): a weighted average of the
 * population mean and the customer's own mean, the weight on their own data
 * growing with x. Customers without repeat purchases get the population mean.
 */
export function conditionalExpectedAverageSpend(
  params: GammaGammaParams,
  customer: { readonly x: number; readonly monetaryValue: number },
): SpendExpectation {
  const { p, q, gamma } = params;
  const { x, monetaryValue } = customer;
  if (x <= 0) return populationMeanSpend(params);
  const denominator = p * x + q - 1;
  if (!(denominator > 0)) return meanDoesNotExist(`px + q = ${p * x + q} <= 1`);
  return { ok: true, value: (p * (gamma + x * monetaryValue)) / denominator };
}

function meanDoesNotExist(detail: string): SpendExpectation {
  return { ok: false, reason: 'mean-does-not-exist', message: `expected spend is infinite: ${detail}` };
}
