// Churn risk of a non-contractual customer: 1 − P(alive) from BG/NBD, joined
// with two behavioural signals the purchase model cannot see (ANALYTICS.md,
// "Churn and cohorts"). P(alive) is the probability that the customer has not
// silently left; each signal removes a share of that "still here" probability:
//
//   risk = 1 − P(alive) · c^min(n, N) · (1 − w · clamp(1 − trend, 0, 1))
//
// - n open complaints (service cases of category COMPLAINT not resolved or
//   closed): each keeps a factor c = 0.8 of the remaining P(alive), at most
//   N = 3 counted (an angry customer with ten cases is not ten times gone);
// - activity trend = purchase days in the recent period / the number the
//   customer's own earlier rate predicts for it (1 steady, 0 stopped, > 1
//   rising). A trend below 1 removes up to w = 0.5 of P(alive): at 0 half of
//   it. A rising or unknown trend (no established earlier rate) changes
//   nothing: signals only ever add risk.
//
// With no signals the risk is exactly 1 − P(alive), so bands stay comparable
// with the purchase model alone; the result stays in [0, 1] and grows with
// each signal.

/** Weights of the combination; fixed, documented, and bound into the scoring SQL from here. */
export const CHURN_SIGNAL_WEIGHTS = {
  complaintFactor: 0.8,
  maxComplaints: 3,
  activityWeight: 0.5,
  /** Length of the "recent period" of the activity trend, in days. */
  recentDays: 90,
  /** Purchase days needed before the recent period for an earlier rate to count as established. */
  minEarlierPurchaseDays: 2,
} as const;

export interface ChurnSignals {
  openComplaints: number;
  /** null when the customer has no established earlier rate. */
  activityTrend: number | null;
}

export function churnRiskWithSignals(pAlive: number, signals: ChurnSignals, w = CHURN_SIGNAL_WEIGHTS): number {
  const complaints = Math.min(Math.max(signals.openComplaints, 0), w.maxComplaints);
  const slowdown = signals.activityTrend === null ? 0 : Math.min(Math.max(1 - signals.activityTrend, 0), 1);
  return 1 - pAlive * Math.pow(w.complaintFactor, complaints) * (1 - w.activityWeight * slowdown);
}

/**
 * Recent purchase days against the customer's own earlier rate: `earlier`
 * purchase days over the `earlierSpanDays` from the first purchase to the
 * start of the recent period predict earlier / span × recentDays for it.
 * null unless there are at least minEarlierPurchaseDays earlier purchase days
 * over at least one full recent period's length.
 */
export function activityTrend(
  recent: number,
  earlier: number,
  earlierSpanDays: number,
  w: { recentDays: number; minEarlierPurchaseDays: number } = CHURN_SIGNAL_WEIGHTS,
): number | null {
  if (earlier < w.minEarlierPurchaseDays || earlierSpanDays < w.recentDays) return null;
  return recent / ((earlier / earlierSpanDays) * w.recentDays);
}
