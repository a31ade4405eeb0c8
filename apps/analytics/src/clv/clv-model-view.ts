import type { StoredFit } from './clv-fit';
import type { ClvModelRecord } from './clv-model';

function fitView<P>(fit: StoredFit<P> | null) {
  return fit
    ? {
        parameters: fit.params,
        standardErrors: fit.standardErrors,
        logLikelihood: fit.logLikelihood,
        iterations: fit.iterations,
        converged: fit.converged,
      }
    : null;
}

/** `ClvModel` as the GraphQL schema shows it. */
export function clvModelView(m: ClvModelRecord) {
  return {
    id: m.id,
    status: m.status,
    timeUnit: m.timeUnit,
    calibrationEnd: m.calibrationEnd,
    holdoutEnd: m.holdoutEnd,
    currency: m.currency,
    bgNbd: fitView(m.bgNbd),
    gammaGamma: fitView(m.gammaGamma),
    holdout: m.holdout ? { ...m.holdout, overall: { bucket: 'all', ...m.holdout.overall } } : null,
    customersUsed: m.customersUsed,
    repeatBuyers: m.repeatBuyers,
    fitTimeMs: m.fitTimeMs,
    failureReason: m.failureReason,
    requestedAt: m.requestedAt,
    finishedAt: m.finishedAt,
  };
}
