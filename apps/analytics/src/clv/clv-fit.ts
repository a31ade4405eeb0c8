import {
  fitGammaGamma,
  purchaseModels,
  type FitOptions,
  type FitSuccess,
  type GammaGammaParams,
  type PurchaseModel,
  type PurchaseModelKind,
  type PurchaseModelParams,
} from '@rapport/clv';
import type { StoredParams } from './clv-model';
import type { FrequencyRecencyGroup, GroupedSummary } from './clv-summary-sql';

/** What a fitted model stores per sub-model. */
export interface StoredFit<P> {
  params: P;
  logLikelihood: number;
  standardErrors: P | null;
  iterations: number;
  converged: boolean;
}

export interface HoldoutCell {
  /** Calibration repeat purchases: "0" … "6", or "7+". */
  bucket: string;
  customers: number;
  actual: number;
  predicted: number;
}

/** Customers for whom the fitted model gives no finite forecast (a degenerate fit), with the first such customer. */
export interface MissingForecast {
  customers: number;
  /** The first group without a forecast, in model time units, and what the model gave (a number, or the error). */
  example: { x: number; tx: number; T: number; forecast: string };
}

/** Predicted vs actual repeat purchases between the calibration end and the hold-out end. */
export interface HoldoutCheck {
  /** Length of the hold-out period in model time units. */
  periods: number;
  overall: Omit<HoldoutCell, 'bucket'>;
  byPurchaseCount: HoldoutCell[];
  /** Not comparable when set: `predicted` then sums only the customers who have a forecast. */
  missingForecast?: MissingForecast;
}

export type ClvFitOutcome =
  | {
      ok: true;
      purchaseModel: StoredFit<StoredParams>;
      /** null when Gamma-Gamma could not give a mean spend (q ≤ 1, no repeat buyers, no convergence): see spendModelReason. */
      gammaGamma: StoredFit<GammaGammaParams> | null;
      spendModelReason: string | null;
      /** Range of the repeat buyers' mean spend per purchase (null without repeat buyers): a sane spend model's mean lies in it. */
      observedSpend: { min: number; max: number } | null;
      holdout: HoldoutCheck | null;
      customersUsed: number;
      repeatBuyers: number;
    }
  | {
      ok: false;
      reason: string;
      /**
       * The fit ran but gave no estimate to trust (the optimiser did not converge): the model is REJECTED with
       * the reason, like a fit that fails validation. Otherwise nothing could be fitted (no customers): FAILED.
       */
      rejected: boolean;
      customersUsed: number;
      repeatBuyers: number;
    };

export const HOLDOUT_BUCKETS = ['0', '1', '2', '3', '4', '5', '6', '7+'] as const;

/** Index of a calibration purchase count's bucket in HOLDOUT_BUCKETS. */
function bucketIndex(x: number): number {
  return Math.min(x, HOLDOUT_BUCKETS.length - 1);
}

export function holdoutBucket(x: number): string {
  return HOLDOUT_BUCKETS[bucketIndex(x)];
}

function stored<P>(fit: FitSuccess<P>): StoredFit<P> {
  return {
    params: fit.params,
    logLikelihood: fit.logLikelihood,
    standardErrors: fit.standardErrors,
    iterations: fit.iterations,
    converged: fit.converged,
  };
}

/**
 * Fits the purchase model of `kind` (libs/clv registry) and Gamma-Gamma on
 * the grouped summary and checks the purchase model against the hold-out
 * period. A purchase model that cannot be fitted fails the whole fit (the
 * reason, never numbers: unconverged parameters look plausible and are
 * wrong), as REJECTED when the optimiser ran and did not converge. A spend model that cannot give a mean (q ≤ 1, no
 * repeat buyers, no convergence) only takes CLV away: P(alive) and expected
 * purchases do not depend on it, so they are still published.
 */
export function fitClv(
  summary: GroupedSummary,
  daysPerUnit: number,
  holdoutDays: number | null,
  kind: PurchaseModelKind = 'BG_NBD',
  options: FitOptions = {},
): ClvFitOutcome {
  const customersUsed = summary.customers;
  const repeatBuyers = summary.spend.reduce((n, g) => n + g.customers, 0);
  const model: PurchaseModel = purchaseModels[kind];

  const rows = summary.frequencyRecency.map((g) => ({ x: g.x, tx: g.txDays / daysPerUnit, T: g.tDays / daysPerUnit, weight: g.customers }));
  const purchases = model.fit(rows, options);
  if (!purchases.ok) {
    const rejected = purchases.reason === 'not-converged';
    return { ok: false, reason: `${model.label}: ${purchases.message}`, rejected, customersUsed, repeatBuyers };
  }
  const gg =
    summary.spend.length === 0
      ? null
      : fitGammaGamma(
          summary.spend.map((g) => ({ x: g.x, monetaryValue: g.m, weight: g.customers })),
          options,
        );
  // A loop, not Math.min(...spends): a million customers give hundreds of thousands of groups, past the argument limit.
  let observedSpend: { min: number; max: number } | null = null;
  for (const { m } of summary.spend) {
    observedSpend = observedSpend ? { min: Math.min(observedSpend.min, m), max: Math.max(observedSpend.max, m) } : { min: m, max: m };
  }

  return {
    ok: true,
    purchaseModel: stored(purchases) as unknown as StoredFit<StoredParams>,
    gammaGamma: gg?.ok ? stored(gg) : null,
    spendModelReason: gg === null ? 'Gamma-Gamma: no repeat buyers with positive spend' : gg.ok ? null : `Gamma-Gamma: ${gg.message}`,
    observedSpend,
    holdout: holdoutDays === null ? null : holdoutCheck(model, purchases.params, summary.frequencyRecency, daysPerUnit, holdoutDays),
    customersUsed,
    repeatBuyers,
  };
}

export function holdoutCheck(
  model: PurchaseModel,
  params: PurchaseModelParams,
  groups: readonly FrequencyRecencyGroup[],
  daysPerUnit: number,
  holdoutDays: number,
): HoldoutCheck {
  const periods = holdoutDays / daysPerUnit;
  const cells: HoldoutCell[] = HOLDOUT_BUCKETS.map((bucket) => ({ bucket, customers: 0, actual: 0, predicted: 0 }));
  let missingForecast: MissingForecast | undefined;
  for (const g of groups) {
    const cell = cells[bucketIndex(g.x)];
    const customer = { x: g.x, tx: g.txDays / daysPerUnit, T: g.tDays / daysPerUnit };
    cell.customers += g.customers;
    cell.actual += g.holdoutPurchases;
    // A degenerate fit gives NaN (or a special function gives up) for some customers: counted apart, so the
    // totals stay numbers and the rejection can say which customers and what the model gave.
    let perCustomer: number | string;
    try {
      perCustomer = model.expectedPurchasesConditional(params, customer, periods);
    } catch (err) {
      perCustomer = (err as Error).message;
    }
    if (typeof perCustomer === 'number' && Number.isFinite(perCustomer)) cell.predicted += perCustomer * g.customers;
    else
      missingForecast = {
        customers: (missingForecast?.customers ?? 0) + g.customers,
        example: missingForecast?.example ?? { ...customer, forecast: describeForecast(perCustomer) },
      };
  }
  const byPurchaseCount = cells;
  const overall = byPurchaseCount.reduce(
    (s, c) => ({ customers: s.customers + c.customers, actual: s.actual + c.actual, predicted: s.predicted + c.predicted }),
    {
      customers: 0,
      actual: 0,
      predicted: 0,
    },
  );
  return { periods, overall, byPurchaseCount, ...(missingForecast ? { missingForecast } : {}) };
}

/** What a model gave instead of a forecast, in words (a message never shows a bare NaN). */
function describeForecast(value: number | string): string {
  if (typeof value === 'string') return `an error (${value})`;
  return Number.isNaN(value) ? 'no number (0/0 or ∞ − ∞ in its formula)' : `${value > 0 ? '+' : '−'}infinity`;
}
