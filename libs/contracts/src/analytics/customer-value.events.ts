import type { ChurnBand } from './churn-bands';
import type { EventEnvelope } from '../envelope';

/**
 * A customer's value tier changed (subjectId = contact id): the first tier
 * assigned, or a move between tiers after a rescoring. Published only on an
 * actual change; a rescoring that keeps the tier publishes nothing. Service
 * levels follow it (e.g. support priority).
 */
export interface CustomerTierChangedDataV1 {
  contactId: string;
  /** The tier before; null when the customer had none yet. */
  previousTier: string | null;
  /** Tier name from the tenant's settings, e.g. platinum. */
  tier: string;
  /** Customer lifetime value behind the tier (default horizon), in the tenant's reporting currency. */
  clv: { amount: string; currency: string };
}

export const CUSTOMER_TIER_CHANGED = 'analytics.customer.tier_changed' as const;
export type CustomerTierChangedV1 = EventEnvelope<typeof CUSTOMER_TIER_CHANGED, CustomerTierChangedDataV1>;

/**
 * A customer's churn-risk band changed (subjectId = contact id). Published
 * only when the band changes, not on every change of the risk itself, so
 * marketing and service can start (or stop) retention work.
 */
export interface CustomerChurnRiskChangedDataV1 {
  contactId: string;
  /** The band before; null when the customer had none yet. */
  previousBand: ChurnBand | null;
  band: ChurnBand;
  /** Between 0 and 1: 1 − P(alive), raised by the signals below. */
  churnRisk: number;
  /** BG/NBD probability the customer is still active. */
  pAlive: number;
  /** Service cases of category COMPLAINT not yet resolved or closed. */
  openComplaints: number;
  /** Recent purchase days / what the customer's earlier rate predicts (1 steady, < 1 falling); null when no earlier rate is established. */
  activityTrend: number | null;
}

export const CUSTOMER_CHURN_RISK_CHANGED = 'analytics.customer.churn_risk_changed' as const;
export type CustomerChurnRiskChangedV1 = EventEnvelope<typeof CUSTOMER_CHURN_RISK_CHANGED, CustomerChurnRiskChangedDataV1>;

/**
 * A customer's value figures changed in a scoring (subjectId = contact id):
 * CLV, tier, churn risk or band, or P(alive) — after a new order, a
 * complaint, a new model, a re-tiering or simply the passing days. One per
 * customer whose stored figures differ from before the scoring (compared
 * exactly, so no change is missed); none for a customer whose figures stayed
 * the same. It carries every figure, so a consumer's copy (marketing's rule
 * fields) is current after each one, not only when the tier or band moves.
 * All figures are null when the customer is no longer scored (every order
 * cancelled, or merged into another contact).
 */
export interface CustomerValueChangedDataV1 {
  contactId: string;
  /** Customer lifetime value (default horizon) at the currency's minor units, in the model's currency; null when no longer scored, or when the model has no spend model (Gamma-Gamma refused: P(alive) and churn are still given). */
  clv: { amount: string; currency: string } | null;
  /** Tier name from the tenant's settings, e.g. platinum; null when not (or no longer) tiered. */
  tier: string | null;
  churnBand: ChurnBand | null;
  /** Between 0 and 1, as in CustomerChurnRiskChangedDataV1. */
  churnRisk: number | null;
  /** BG/NBD probability the customer is still active. */
  pAlive: number | null;
  /** The instant the scoring measured the customer at (ISO-8601 UTC). */
  asOf: string;
}

export const CUSTOMER_VALUE_CHANGED = 'analytics.customer.value_changed' as const;
export type CustomerValueChangedV1 = EventEnvelope<typeof CUSTOMER_VALUE_CHANGED, CustomerValueChangedDataV1>;
