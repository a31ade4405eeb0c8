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
