// Hold-out validation of purchase models (FHL 2005, section 4; Batislam et
// al. 2007, section 4): fit on the calibration period, forecast each
// customer's purchases in the hold-out period, and compare with what they
// did, per calibration frequency and overall. This is the evidence an
// analyst needs to choose between BG/NBD, Pareto/NBD and MBG/NBD.

import { groupByFrequencyRecency, type PurchaseHistory } from './grouping';
import type { FitOptions } from './maximum-likelihood';
import { purchaseModels, type PurchaseModel, type PurchaseModelKind, type PurchaseModelParams } from './purchase-models';

export interface HoldoutCustomer extends PurchaseHistory {
  /** Purchases in the hold-out period (`countHoldoutPurchases`, 0 if absent). */
  readonly holdoutPurchases: number;
  /** Number of customers sharing these figures; 1 when absent. */
  readonly weight?: number;
}

/** A forecast to be judged: any function of a customer's history and horizon. */
export interface HoldoutCandidate {
  readonly label: string;
  expectedPurchases(customer: PurchaseHistory, t: number): number;
}

export interface FrequencyBucket {
  /** "0", "1", …, and the last bucket e.g. "7+". */
  readonly label: string;
  readonly customers: number;
  readonly actualTotal: number;
  readonly predictedTotal: number;
  /** Per customer, the figures FHL (2005, Figure 5) plot. */
  readonly actualMean: number;
  readonly predictedMean: number;
}

export interface HoldoutComparison {
  readonly label: string;
  readonly buckets: readonly FrequencyBucket[];
  readonly customers: number;
  readonly actualTotal: number;
  readonly predictedTotal: number;
  /** (predicted − actual) / actual over all customers: bias of the total. */
  readonly totalRelativeError: number;
  /** Mean over customers of |predicted − actual|. */
  readonly meanAbsoluteError: number;
  /** √(mean of (predicted − actual)²): penalises large misses. */
  readonly rootMeanSquaredError: number;
}

export interface HoldoutComparisonOptions {
  /** Frequencies from this value up share the last bucket. Default 7 ("7+"). */
  readonly lastBucket?: number;
}

/**
 * Compare each candidate's forecast over a hold-out of length `holdoutLength`
 * (in the same time unit as t_x and T) with the actual hold-out purchases.
 */
export function compareOnHoldout(
  customers: readonly HoldoutCustomer[],
  holdoutLength: number,
  candidates: readonly HoldoutCandidate[],
  options: HoldoutComparisonOptions = {},
): HoldoutComparison[] {
  const lastBucket = options.lastBucket ?? 7;
  if (!(holdoutLength > 0)) throw new RangeError(`holdoutLength must be positive, got ${holdoutLength}`);
  if (!Number.isInteger(lastBucket) || lastBucket < 0) throw new RangeError(`lastBucket must be a non-negative integer, got ${lastBucket}`);
  return candidates.map((candidate) => compareOne(customers, holdoutLength, candidate, lastBucket));
}

function compareOne(customers: readonly HoldoutCustomer[], t: number, candidate: HoldoutCandidate, lastBucket: number): HoldoutComparison {
  const sums = Array.from({ length: lastBucket + 1 }, () => ({ customers: 0, actual: 0, predicted: 0 }));
  let absoluteError = 0;
  let squaredError = 0;
  for (const customer of customers) {
    const weight = customer.weight ?? 1;
    const predicted = candidate.expectedPurchases(customer, t);
    const actual = customer.holdoutPurchases;
    const bucket = sums[Math.min(customer.x, lastBucket)];
    bucket.customers += weight;
    bucket.actual += weight * actual;
    bucket.predicted += weight * predicted;
    absoluteError += weight * Math.abs(predicted - actual);
    squaredError += weight * (predicted - actual) ** 2;
  }
  const buckets = sums.map((sum, i) => ({
    label: i === lastBucket ? `${i}+` : String(i),
    customers: sum.customers,
    actualTotal: sum.actual,
    predictedTotal: sum.predicted,
    actualMean: sum.customers > 0 ? sum.actual / sum.customers : NaN,
    predictedMean: sum.customers > 0 ? sum.predicted / sum.customers : NaN,
  }));
  const total = (key: 'customers' | 'actual' | 'predicted') => sums.reduce((acc, sum) => acc + sum[key], 0);
  const count = total('customers');
  const actualTotal = total('actual');
  const predictedTotal = total('predicted');
  return {
    label: candidate.label,
    buckets,
    customers: count,
    actualTotal,
    predictedTotal,
    totalRelativeError: (predictedTotal - actualTotal) / actualTotal,
    meanAbsoluteError: absoluteError / count,
    rootMeanSquaredError: Math.sqrt(squaredError / count),
  };
}

export interface ModelHoldoutComparison extends HoldoutComparison {
  readonly kind: PurchaseModelKind;
  readonly params: PurchaseModelParams;
  readonly calibrationLogLikelihood: number;
}

export interface ModelHoldoutFailure {
  readonly kind: PurchaseModelKind;
  readonly label: string;
  readonly message: string;
}

/**
 * Fit each model kind on the calibration histories and compare their
 * hold-out forecasts. A model that cannot be fitted is reported with the
 * reason instead of being dropped silently.
 */
export function fitAndCompareOnHoldout(
  customers: readonly HoldoutCustomer[],
  holdoutLength: number,
  kinds: readonly PurchaseModelKind[],
  options: HoldoutComparisonOptions & FitOptions = {},
): { readonly compared: ModelHoldoutComparison[]; readonly failed: ModelHoldoutFailure[] } {
  const rows = groupByFrequencyRecency(customers.map(({ x, tx, T, weight }) => ({ x, tx, T, weight })));
  const compared: ModelHoldoutComparison[] = [];
  const failed: ModelHoldoutFailure[] = [];
  for (const kind of kinds) {
    // Widened to the common interface: the params come from this model's own fit.
    const model: PurchaseModel = purchaseModels[kind];
    const fit = model.fit(rows, options);
    if (!fit.ok) {
      failed.push({ kind, label: model.label, message: fit.message });
      continue;
    }
    const candidate = {
      label: model.label,
      expectedPurchases: (customer: PurchaseHistory, t: number) => model.expectedPurchasesConditional(fit.params, customer, t),
    };
    const [comparison] = compareOnHoldout(customers, holdoutLength, [candidate], options);
    compared.push({ ...comparison, kind, params: fit.params, calibrationLogLikelihood: fit.logLikelihood });
  }
  return { compared, failed };
}
