import type { GammaGammaParams } from '@rapport/clv';
import type { ClvFitOutcome, HoldoutCheck, StoredFit } from './clv-fit';

/**
 * Sane ranges of fitted parameters. Every parameter of these models is a
 * shape (dimensionless) or a scale (model time units, or currency for
 * Gamma-Gamma's γ). An optimiser that "converges" to the edge of the
 * parameter space — a dropout shape of 1e-9, a spend scale of 2.4e-258 —
 * reports a likelihood plateau, not an estimate; its scores are wrong.
 */
export const PARAMETER_BOUNDS = { min: 1e-4, max: 1e5 } as const;

/** Default of the tenant's limit on |predicted − actual| / actual hold-out purchases. */
export const DEFAULT_MAX_HOLDOUT_ERROR = 0.5;

type FittedOutcome = Extract<ClvFitOutcome, { ok: true }>;

function fitReasons<P extends object>(label: string, fit: StoredFit<P>): string[] {
  const reasons: string[] = [];
  if (!fit.converged) reasons.push(`${label}: the optimiser did not converge`);
  for (const [name, value] of Object.entries(fit.params) as [string, number][]) {
    if (!(Number.isFinite(value) && value >= PARAMETER_BOUNDS.min && value <= PARAMETER_BOUNDS.max)) {
      reasons.push(`${label}: parameter ${name} = ${value.toPrecision(4)} is outside [${PARAMETER_BOUNDS.min}, ${PARAMETER_BOUNDS.max}]`);
    }
  }
  const errors = fit.standardErrors as Record<string, number> | null;
  if (!errors) reasons.push(`${label}: no standard errors (the information matrix is not positive definite: a flat or saddle optimum)`);
  else {
    for (const [name, value] of Object.entries(errors)) {
      if (!Number.isFinite(value)) reasons.push(`${label}: the standard error of ${name} is not finite`);
    }
  }
  return reasons;
}

/** A spend model whose population mean lies outside what the repeat buyers actually spend is not describing them. */
function spendReasons(fit: StoredFit<GammaGammaParams>, observed: { min: number; max: number } | null): string[] {
  const reasons = fitReasons('Gamma-Gamma', fit);
  const { p, q, gamma } = fit.params;
  const mean = (p * gamma) / (q - 1);
  if (observed && !(mean >= observed.min && mean <= observed.max)) {
    reasons.push(
      `Gamma-Gamma: population mean spend ${mean.toPrecision(4)} lies outside the repeat buyers' mean spends [${observed.min.toPrecision(4)}, ${observed.max.toPrecision(4)}]`,
    );
  }
  return reasons;
}

/** Relative error of the total hold-out forecast; a hold-out without purchases counts its forecast against one purchase. */
export function holdoutError(holdout: HoldoutCheck): number {
  return Math.abs(holdout.overall.predicted - holdout.overall.actual) / Math.max(holdout.overall.actual, 1);
}

/**
 * Why a fit must not become active, or [] when it may: the purchase model
 * (and the spend model, when there is one) converged, its parameters are in
 * PARAMETER_BOUNDS, standard errors exist, and with a hold-out period the
 * forecast total is within `maxHoldoutError` of the actual one.
 */
export function rejectionReasons(fit: FittedOutcome, label: string, maxHoldoutError: number): string[] {
  const reasons = fitReasons(label, fit.purchaseModel);
  if (fit.gammaGamma) reasons.push(...spendReasons(fit.gammaGamma, fit.observedSpend));
  const missing = fit.holdout?.missingForecast;
  if (fit.holdout && missing) {
    const { x, tx, T, forecast } = missing.example;
    const params = Object.entries(fit.purchaseModel.params as Record<string, number>)
      .map(([name, value]) => `${name} = ${value.toPrecision(4)}`)
      .join(', ');
    reasons.push(
      `hold-out: ${label} gives no finite forecast for ${missing.customers} of ${fit.holdout.overall.customers} customers ` +
        `(the first: x = ${x}, t_x = ${round(tx)}, T = ${round(T)} gives ${forecast}) at ${params}, so the hold-out error cannot be measured`,
    );
  } else if (fit.holdout) {
    const error = holdoutError(fit.holdout);
    if (!(error <= maxHoldoutError)) {
      reasons.push(
        `hold-out: ${fit.holdout.overall.predicted.toFixed(1)} purchases predicted, ${fit.holdout.overall.actual} made (error ${(100 * error).toFixed(1)} %, limit ${(100 * maxHoldoutError).toFixed(1)} %)`,
      );
    }
  }
  return reasons;
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** What a finished fit is stored as: its status, and why it is not FITTED. */
export interface FitVerdict {
  status: 'FITTED' | 'REJECTED' | 'FAILED';
  /** REJECTED only: every check it failed. */
  rejectionReasons: string[];
  /** FAILED only. */
  failureReason: string | null;
}

/**
 * FITTED when the fit passes every check; REJECTED when it ran but must not
 * score — it did not converge, or fails validation (rejectionReasons) —
 * so the active model stays; FAILED only when nothing could be fitted (no
 * customers, an error in the job). "Did not converge" is a property of the
 * fit, like parameters at a bound, not a technical failure: both are the
 * optimiser stopping somewhere that is not an estimate.
 */
export function fitVerdict(outcome: ClvFitOutcome, label: string, maxHoldoutError: number): FitVerdict {
  if (!outcome.ok) {
    return outcome.rejected
      ? { status: 'REJECTED', rejectionReasons: [outcome.reason], failureReason: null }
      : { status: 'FAILED', rejectionReasons: [], failureReason: outcome.reason };
  }
  const reasons = rejectionReasons(outcome, label, maxHoldoutError);
  return { status: reasons.length === 0 ? 'FITTED' : 'REJECTED', rejectionReasons: reasons, failureReason: null };
}
