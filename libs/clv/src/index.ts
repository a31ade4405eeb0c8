// Public API of @rapport/clv: pure customer-analytics maths, no I/O.

export { logGamma, logBeta, logSumExp, logAddExp, hypergeometric2F1 } from './special-functions';
export type { HypergeometricOptions } from './special-functions';

export { minimize } from './optimizer';
export type { MinimizeOptions, MinimizeResult } from './optimizer';
export { numericalGradient, numericalHessian } from './numerical-derivatives';
export type { ObjectiveFunction } from './numerical-derivatives';
export type { FitOptions, FitResult, FitSuccess, FitFailure } from './maximum-likelihood';

export { summarizeTransactions, utcDayNumber } from './summary';
export type { Transaction, SummaryOptions, CustomerSummary } from './summary';
export { groupByFrequencyRecency, groupBySpend } from './grouping';
export type { FrequencyRecencyRow, SpendRow } from './grouping';
export { parseCdnowTransactions } from './cdnow-parser';
export type { CdnowTransaction } from './cdnow-parser';

export { bgNbdLogLikelihood, fitBgNbd, probabilityAlive, expectedPurchasesConditional, expectedPurchasesNewCustomer } from './bg-nbd';
export type { BgNbdParams, BgNbdCustomer, BgNbdFitResult } from './bg-nbd';

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
