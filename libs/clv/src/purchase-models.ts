// One interface over the purchase (transaction-count) models, so that callers
// such as analytics can fit, score and compare them by a stored kind without
// a branch per model. Each model keeps its own module and named exports; this
// registry only points at them.

import {
  BG_NBD_PARAMETER_NAMES,
  bgNbdLogLikelihood,
  bgNbdExpectedPurchasesIfAlive,
  bgNbdWeighting,
  expectedPurchasesConditional,
  expectedPurchasesNewCustomer,
  fitBgNbd,
  probabilityAlive,
  type BgNbdParams,
} from './bg-nbd';
import type { FrequencyRecencyRow, PurchaseHistory } from './grouping';
import type { FitOptions, FitResult } from './maximum-likelihood';
import {
  fitMbgNbd,
  MBG_NBD_PARAMETER_NAMES,
  mbgNbdExpectedPurchasesConditional,
  mbgNbdExpectedPurchasesIfAlive,
  mbgNbdExpectedPurchasesNewCustomer,
  mbgNbdLogLikelihood,
  mbgNbdProbabilityAlive,
  mbgNbdWeighting,
  type MbgNbdParams,
} from './mbg-nbd';
import {
  fitParetoNbd,
  PARETO_NBD_PARAMETER_NAMES,
  paretoNbdExpectedPurchasesConditional,
  paretoNbdExpectedPurchasesIfAlive,
  paretoNbdExpectedPurchasesNewCustomer,
  paretoNbdLogLikelihood,
  paretoNbdProbabilityAlive,
  paretoNbdWeighting,
  type ParetoNbdParams,
} from './pareto-nbd';

export const PURCHASE_MODEL_KINDS = ['BG_NBD', 'PARETO_NBD', 'MBG_NBD'] as const;
export type PurchaseModelKind = (typeof PURCHASE_MODEL_KINDS)[number];

export interface PurchaseModelParamsByKind {
  readonly BG_NBD: BgNbdParams;
  readonly PARETO_NBD: ParetoNbdParams;
  readonly MBG_NBD: MbgNbdParams;
}

/** Parameters of any purchase model (which one is told by its kind). */
export type PurchaseModelParams = PurchaseModelParamsByKind[PurchaseModelKind];

/**
 * What every purchase model offers. Method syntax on purpose: it lets a
 * `PurchaseModel<BgNbdParams>` be used as a `PurchaseModel<PurchaseModelParams>`
 * when the kind is only known at run time (pair it with `parsePurchaseModelParams`).
 */
export interface PurchaseModel<P extends PurchaseModelParams = PurchaseModelParams> {
  readonly kind: PurchaseModelKind;
  /** Human-readable name with the paper it follows. */
  readonly label: string;
  readonly parameterNames: readonly string[];
  /** Whether P(alive) can be below 1 for a customer with no repeat purchase. */
  readonly oneTimeBuyersCanChurn: boolean;
  fit(rows: readonly FrequencyRecencyRow[], options?: FitOptions): FitResult<P>;
  logLikelihood(params: P, rows: Iterable<FrequencyRecencyRow>): number;
  probabilityAlive(params: P, customer: PurchaseHistory): number;
  expectedPurchasesConditional(params: P, customer: PurchaseHistory, t: number): number;
  /**
   * expectedPurchasesConditional in two parts, for scoring many customers over many horizons:
   * `expectedPurchasesIfAlive` depends on x and T only (the costly part: a hypergeometric series
   * for BG/NBD and MBG/NBD), `weighting` on the customer (through P(alive)) and not on t.
   * weighting(c)(expectedPurchasesIfAlive(c, t)) is exactly expectedPurchasesConditional(c, t) for t > 0.
   */
  expectedPurchasesIfAlive(params: P, customer: Pick<PurchaseHistory, 'x' | 'T'>, t: number): number;
  weighting(params: P, customer: PurchaseHistory): (ifAlive: number) => number;
  expectedPurchasesNewCustomer(params: P, t: number): number;
}

export const purchaseModels: { readonly [K in PurchaseModelKind]: PurchaseModel<PurchaseModelParamsByKind[K]> } = {
  BG_NBD: {
    kind: 'BG_NBD',
    label: 'BG/NBD (Fader, Hardie & Lee 2005)',
    parameterNames: BG_NBD_PARAMETER_NAMES,
    oneTimeBuyersCanChurn: false,
    fit: (rows, options) => fitBgNbd(rows, options),
    logLikelihood: bgNbdLogLikelihood,
    probabilityAlive,
    expectedPurchasesConditional,
    expectedPurchasesIfAlive: bgNbdExpectedPurchasesIfAlive,
    weighting: bgNbdWeighting,
    expectedPurchasesNewCustomer,
  },
  PARETO_NBD: {
    kind: 'PARETO_NBD',
    label: 'Pareto/NBD (Schmittlein, Morrison & Colombo 1987)',
    parameterNames: PARETO_NBD_PARAMETER_NAMES,
    oneTimeBuyersCanChurn: true,
    fit: (rows, options) => fitParetoNbd(rows, options),
    logLikelihood: paretoNbdLogLikelihood,
    probabilityAlive: paretoNbdProbabilityAlive,
    expectedPurchasesConditional: paretoNbdExpectedPurchasesConditional,
    expectedPurchasesIfAlive: paretoNbdExpectedPurchasesIfAlive,
    weighting: paretoNbdWeighting,
    expectedPurchasesNewCustomer: paretoNbdExpectedPurchasesNewCustomer,
  },
  MBG_NBD: {
    kind: 'MBG_NBD',
    label: 'MBG/NBD (Batislam, Denizel & Filiztekin 2007)',
    parameterNames: MBG_NBD_PARAMETER_NAMES,
    oneTimeBuyersCanChurn: true,
    fit: (rows, options) => fitMbgNbd(rows, options),
    logLikelihood: mbgNbdLogLikelihood,
    probabilityAlive: mbgNbdProbabilityAlive,
    expectedPurchasesConditional: mbgNbdExpectedPurchasesConditional,
    expectedPurchasesIfAlive: mbgNbdExpectedPurchasesIfAlive,
    weighting: mbgNbdWeighting,
    expectedPurchasesNewCustomer: mbgNbdExpectedPurchasesNewCustomer,
  },
};

export function isPurchaseModelKind(value: unknown): value is PurchaseModelKind {
  return typeof value === 'string' && (PURCHASE_MODEL_KINDS as readonly string[]).includes(value);
}

/**
 * Typed parameters of `kind` from stored JSON, or null when a parameter is
 * missing, not a finite positive number, or belongs to another model: a
 * stored fit must never be scored with the wrong model's formulas.
 */
export function parsePurchaseModelParams<K extends PurchaseModelKind>(kind: K, stored: unknown): PurchaseModelParamsByKind[K] | null {
  if (typeof stored !== 'object' || stored === null) return null;
  const record = stored as Record<string, unknown>;
  const names = purchaseModels[kind].parameterNames;
  if (Object.keys(record).length !== names.length) return null;
  for (const name of names) {
    const value = record[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return null;
  }
  return Object.fromEntries(names.map((name) => [name, record[name]])) as unknown as PurchaseModelParamsByKind[K];
}
