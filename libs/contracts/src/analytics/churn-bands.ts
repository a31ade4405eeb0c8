/**
 * Churn-risk bands, owned here because analytics assigns them (in SQL when it
 * scores customers) and marketing and service act on them: LOW < 0.3 ≤
 * MEDIUM < 0.6 ≤ HIGH of the churn risk, which is 1 − P(alive) joined with
 * behavioural signals (open complaints, falling activity; see analytics'
 * README): exactly 1 − P(alive) without signals.
 */
export const CHURN_BANDS = ['LOW', 'MEDIUM', 'HIGH'] as const;

export type ChurnBand = (typeof CHURN_BANDS)[number];

/** The least churn risk (0–1) in each band above LOW. */
export const CHURN_BAND_FLOORS = { MEDIUM: 0.3, HIGH: 0.6 } as const;

/** The band of a churn risk between 0 and 1. */
export function churnBandOf(risk: number): ChurnBand {
  return risk < CHURN_BAND_FLOORS.MEDIUM ? 'LOW' : risk < CHURN_BAND_FLOORS.HIGH ? 'MEDIUM' : 'HIGH';
}
