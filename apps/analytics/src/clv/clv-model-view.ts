import { purchaseModels } from '@rapport/clv';
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

/** A purchase fit of any kind: its parameters by name, in the paper's order, with their standard errors. */
function purchaseFitView(m: ClvModelRecord) {
  const fit = m.purchaseModel;
  if (!fit) return null;
  return {
    kind: m.kind,
    parameters: purchaseModels[m.kind].parameterNames.map((name) => ({
      name,
      value: fit.params[name],
      standardError: fit.standardErrors?.[name] ?? null,
    })),
    logLikelihood: fit.logLikelihood,
    iterations: fit.iterations,
    converged: fit.converged,
  };
}

/** `ClvModel` as the GraphQL schema shows it. */
export function clvModelView(m: ClvModelRecord) {
  return {
    id: m.id,
    status: m.status,
    kind: m.kind,
    active: m.active,
    activatedAt: m.activatedAt,
    rejectionReasons: m.rejectionReasons,
    asOf: m.asOf,
    timeUnit: m.timeUnit,
    calibrationEnd: m.calibrationEnd,
    holdoutEnd: m.holdoutEnd,
    currency: m.currency,
    purchaseModel: purchaseFitView(m),
    bgNbd: m.kind === 'BG_NBD' ? fitView(m.purchaseModel) : null,
    gammaGamma: fitView(m.gammaGamma),
    spendModelReason: m.spendModelReason,
    holdout: m.holdout ? { ...m.holdout, overall: { bucket: 'all', ...m.holdout.overall } } : null,
    customersUsed: m.customersUsed,
    repeatBuyers: m.repeatBuyers,
    fitTimeMs: m.fitTimeMs,
    failureReason: m.failureReason,
    requestedAt: m.requestedAt,
    finishedAt: m.finishedAt,
  };
}
