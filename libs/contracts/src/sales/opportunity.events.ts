import type { EventEnvelope } from '../envelope';

/** An exact amount: a decimal string (never a float) and an ISO 4217 currency. */
export interface MoneyV1 {
  amount: string;
  currency: string;
}

export type OpportunityStatusV1 = 'OPEN' | 'WON' | 'LOST';
export type ForecastCategoryV1 = 'PIPELINE' | 'BEST_CASE' | 'COMMIT' | 'CLOSED_WON' | 'CLOSED_LOST';

/** A pipeline stage as it was when the event happened (names and probabilities can change later). */
export interface StageRefV1 {
  id: string;
  name: string;
  probability: number;
  forecastCategory: ForecastCategoryV1;
}

/** The opportunity as other services see it: enough for pipeline metrics and forecasts. */
export interface OpportunitySnapshotV1 {
  id: string;
  accountId: string;
  primaryContactId: string | null;
  ownerId: string | null;
  name: string;
  amount: MoneyV1;
  /** Calendar date, YYYY-MM-DD. */
  closeDate: string;
  pipelineId: string;
  stageId: string;
  probability: number;
  status: OpportunityStatusV1;
  /** Why it was won or lost; null while open. */
  closeReason: string | null;
  closedAt: string | null;
  /** The lead it was converted from, if any. */
  leadId: string | null;
  createdAt: string;
  updatedAt: string;
}

export const OPPORTUNITY_CREATED = 'sales.opportunity.created' as const;
export type OpportunityCreatedV1 = EventEnvelope<typeof OPPORTUNITY_CREATED, { opportunity: OpportunitySnapshotV1; stage: StageRefV1 }>;

export const OPPORTUNITY_UPDATED = 'sales.opportunity.updated' as const;
/** Field changes other than stage moves and closing (those have their own events). */
export type OpportunityUpdatedV1 = EventEnvelope<typeof OPPORTUNITY_UPDATED, { opportunity: OpportunitySnapshotV1; changed: string[] }>;

export const OPPORTUNITY_STAGE_CHANGED = 'sales.opportunity.stage_changed' as const;
/**
 * Every stage transition, including the one into the closed stage when an
 * opportunity is won or lost (which is followed by .won / .lost), so stage
 * velocity can be computed from this event alone.
 */
export type OpportunityStageChangedV1 = EventEnvelope<
  typeof OPPORTUNITY_STAGE_CHANGED,
  { opportunity: OpportunitySnapshotV1; from: StageRefV1; to: StageRefV1; reason: string | null }
>;

export const OPPORTUNITY_WON = 'sales.opportunity.won' as const;
export type OpportunityWonV1 = EventEnvelope<typeof OPPORTUNITY_WON, { opportunity: OpportunitySnapshotV1; reason: string | null }>;

export const OPPORTUNITY_LOST = 'sales.opportunity.lost' as const;
export type OpportunityLostV1 = EventEnvelope<typeof OPPORTUNITY_LOST, { opportunity: OpportunitySnapshotV1; reason: string | null }>;
