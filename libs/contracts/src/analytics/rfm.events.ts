import type { EventEnvelope } from '../envelope';

/**
 * A tenant's RFM scores were recomputed (subjectId = tenant id). Consumers
 * that mirror segments (marketing) refresh their copy when they see it.
 */
export interface RfmRecomputedDataV1 {
  /** Instant the recency was measured from (ISO-8601 UTC). */
  asOf: string;
  windowDays: number;
  /** Currency of the monetary values; null when nothing was scored. */
  currency: string | null;
  customersScored: number;
}

export const RFM_RECOMPUTED = 'analytics.rfm.recomputed' as const;
export type RfmRecomputedV1 = EventEnvelope<typeof RFM_RECOMPUTED, RfmRecomputedDataV1>;

/**
 * One customer's RFM cell or segment changed in a recompute (subjectId =
 * contact id): first scored, moved to another cell, or dropped out of the
 * window (segmentKey and score null). A recompute that leaves a customer's
 * cell as it was publishes nothing for them.
 */
export interface CustomerRfmChangedDataV1 {
  contactId: string;
  previousSegmentKey: string | null;
  /** Stable segment key, e.g. cant-lose-them; null when unscored or outside every segment. */
  segmentKey: string | null;
  /** Display name, e.g. "Can't lose them". */
  segmentName: string | null;
  /** The three digits R, F, M, e.g. "545"; null when no longer scored. */
  score: string | null;
  /** The cell before, e.g. "345"; null when first scored. */
  previousScore: string | null;
  /** Whole days since the last purchase, at asOf. */
  recencyDays: number | null;
  frequency: number | null;
  /** Net spend in the window as an exact decimal string, in `currency`. */
  monetary: string | null;
  currency: string | null;
  /** The recompute's instant (ISO-8601 UTC). */
  asOf: string;
}

export const CUSTOMER_RFM_CHANGED = 'analytics.customer.rfm_changed' as const;
export type CustomerRfmChangedV1 = EventEnvelope<typeof CUSTOMER_RFM_CHANGED, CustomerRfmChangedDataV1>;
