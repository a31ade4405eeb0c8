// Public API of @rapport/clv: pure customer-analytics maths, no I/O.

export { logGamma, logBeta, logSumExp, logAddExp, hypergeometric2F1, hypergeometric2F1UnitA } from './special-functions';
export type { HypergeometricOptions } from './special-functions';

export { minimize } from './optimizer';
export type { MinimizeOptions, MinimizeResult } from './optimizer';
export { numericalGradient, numericalHessian } from './numerical-derivatives';
export type { ObjectiveFunction } from './numerical-derivatives';
export type { FitOptions, FitResult, FitSuccess, FitFailure } from './maximum-likelihood';

export { summarizeTransactions, utcDayNumber } from './summary';
export type { Transaction, SummaryOptions, CustomerSummary } from './summary';
export { groupByFrequencyRecency, groupBySpend, validateFrequencyRecencyRows } from './grouping';
export type { FrequencyRecencyRow, SpendRow, PurchaseHistory } from './grouping';
export { countHoldoutPurchases } from './holdout';
export type { HoldoutOptions } from './holdout';
export { parseCdnowTransactions } from './cdnow-parser';
export type { CdnowTransaction } from './cdnow-parser';

export {
  BG_NBD_PARAMETER_NAMES,
  bgNbdLogLikelihood,
  fitBgNbd,
  probabilityAlive,
  expectedPurchasesConditional,
  expectedPurchasesNewCustomer,
} from './bg-nbd';
export type { BgNbdParams, BgNbdCustomer, BgNbdFitResult } from './bg-nbd';

// Models under which one-time buyers can churn (issue 16, item 3).
export {
  PARETO_NBD_PARAMETER_NAMES,
  paretoNbdLogLikelihood,
  fitParetoNbd,
  paretoNbdProbabilityAlive,
  paretoNbdExpectedPurchasesConditional,
  paretoNbdExpectedPurchasesNewCustomer,
} from './pareto-nbd';
export type { ParetoNbdParams, ParetoNbdFitResult } from './pareto-nbd';
export {
  MBG_NBD_PARAMETER_NAMES,
  mbgNbdLogLikelihood,
  fitMbgNbd,
  mbgNbdProbabilityAlive,
  mbgNbdExpectedPurchasesConditional,
  mbgNbdExpectedPurchasesNewCustomer,
} from './mbg-nbd';
export type { MbgNbdParams, MbgNbdFitResult } from './mbg-nbd';

// One interface over BG/NBD, Pareto/NBD and MBG/NBD, and hold-out comparison.
export { PURCHASE_MODEL_KINDS, purchaseModels, isPurchaseModelKind, parsePurchaseModelParams } from './purchase-models';
export type { PurchaseModel, PurchaseModelKind, PurchaseModelParams, PurchaseModelParamsByKind } from './purchase-models';
export { compareOnHoldout, fitAndCompareOnHoldout } from './model-comparison';
export type {
  HoldoutCustomer,
  HoldoutCandidate,
  FrequencyBucket,
  HoldoutComparison,
  HoldoutComparisonOptions,
  ModelHoldoutComparison,
  ModelHoldoutFailure,
} from './model-comparison';

export { gammaGammaLogLikelihood, fitGammaGamma, populationMeanSpend, conditionalExpectedAverageSpend } from './gamma-gamma';
export type { GammaGammaParams, GammaGammaFitResult, GammaGammaMeanDoesNotExist, SpendExpectation } from './gamma-gamma';

export {
  sbgSurvival,
  sbgChurnProbability,
  sbgRetentionRate,
  sbgChurnHazard,
  sbgSurvivalCurve,
  sbgLogLikelihood,
  fitSbg,
  projectSurvivors,
  discountedExpectedResidualLifetime,
} from './sbg';
export type { SbgParams } from './sbg';

export { customerLifetimeValue, periodDiscountRate, DAYS_PER_YEAR } from './clv';
export type { ClvInput, ClvResult } from './clv';

export { RFM_BINS, quantileCutPoints, scoreAgainstCutPoints, reversedScoreAgainstCutPoints, scoreRfm } from './rfm';
export type { RfmInput, RfmScores, RfmCutPoints, RfmScoring } from './rfm';
export { DEFAULT_RFM_SEGMENTS, segmentFor, checkSegmentGrid } from './rfm-segments';
export type { RfmSegmentDefinition, ScoreRange, GridCell, SegmentGridReport } from './rfm-segments';

export { activityTrend, churnRiskWithSignals, CHURN_SIGNAL_WEIGHTS } from './churn-risk';
export type { ChurnSignals } from './churn-risk';
