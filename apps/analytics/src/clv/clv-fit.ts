import {
  expectedPurchasesConditional,
  fitBgNbd,
  fitGammaGamma,
  type BgNbdParams,
  type FitOptions,
  type FitSuccess,
  type GammaGammaParams,
} from '@rapport/clv';
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

/** Predicted vs actual repeat purchases between the calibration end and the hold-out end. */
export interface HoldoutCheck {
  /** Length of the hold-out period in model time units. */
  periods: number;
  overall: Omit<HoldoutCell, 'bucket'>;
  byPurchaseCount: HoldoutCell[];
}

export type ClvFitOutcome =
  | {
      ok: true;
      bgNbd: StoredFit<BgNbdParams>;
      gammaGamma: StoredFit<GammaGammaParams>;
      holdout: HoldoutCheck | null;
      customersUsed: number;
      repeatBuyers: number;
    }
  | { ok: false; reason: string; customersUsed: number; repeatBuyers: number };

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
 * Fits BG/NBD and Gamma-Gamma on the grouped summary (libs/clv) and checks
 * the BG/NBD against the hold-out period. A fit that fails — no data, no
 * convergence, or q ≤ 1 (mean spend does not exist) — gives the reason, never
 * numbers.
 */
export function fitClv(summary: GroupedSummary, daysPerUnit: number, holdoutDays: number | null, options: FitOptions = {}): ClvFitOutcome {
  const customersUsed = summary.customers;
  const repeatBuyers = summary.spend.reduce((n, g) => n + g.customers, 0);
  const fail = (reason: string): ClvFitOutcome => ({ ok: false, reason, customersUsed, repeatBuyers });

  const rows = summary.frequencyRecency.map((g) => ({ x: g.x, tx: g.txDays / daysPerUnit, T: g.tDays / daysPerUnit, weight: g.customers }));
  const bg = fitBgNbd(rows, options);
  if (!bg.ok) return fail(`BG/NBD: ${bg.message}`);
  const gg = fitGammaGamma(
    summary.spend.map((g) => ({ x: g.x, monetaryValue: g.m, weight: g.customers })),
    options,
  );
  if (!gg.ok) return fail(`Gamma-Gamma: ${gg.message}`);

  return {
    ok: true,
    bgNbd: stored(bg),
    gammaGamma: stored(gg),
    holdout: holdoutDays === null ? null : holdoutCheck(bg.params, summary.frequencyRecency, daysPerUnit, holdoutDays),
    customersUsed,
    repeatBuyers,
  };
}

export function holdoutCheck(
  params: BgNbdParams,
  groups: readonly FrequencyRecencyGroup[],
  daysPerUnit: number,
  holdoutDays: number,
): HoldoutCheck {
  const periods = holdoutDays / daysPerUnit;
  const cells: HoldoutCell[] = HOLDOUT_BUCKETS.map((bucket) => ({ bucket, customers: 0, actual: 0, predicted: 0 }));
  for (const g of groups) {
    const cell = cells[bucketIndex(g.x)];
    const perCustomer = expectedPurchasesConditional(params, { x: g.x, tx: g.txDays / daysPerUnit, T: g.tDays / daysPerUnit }, periods);
    cell.customers += g.customers;
    cell.actual += g.holdoutPurchases;
    cell.predicted += perCustomer * g.customers;
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
  return { periods, overall, byPurchaseCount };
}
