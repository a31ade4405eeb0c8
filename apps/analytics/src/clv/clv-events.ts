import { minorUnits } from '@rapport/money';
import {
  CUSTOMER_CHURN_RISK_CHANGED,
  CUSTOMER_TIER_CHANGED,
  CUSTOMER_VALUE_CHANGED,
  SYSTEM_ACTOR,
  type CustomerChurnRiskChangedDataV1,
  type CustomerTierChangedDataV1,
  type CustomerValueChangedDataV1,
  type EventEnvelope,
} from '@rapport/contracts';
import { newEvent } from '@rapport/messaging';
import type { BandChange, CustomerFigures, ScoredCustomers, TierChange } from './clv-scoring-sql';

/** Money from a model float, at the currency's minor units (CLV is an estimate, not a booking). */
export function estimateMoney(value: number, currency: string): { amount: string; currency: string } {
  return { amount: value.toFixed(minorUnits(currency)), currency };
}

/**
 * One value event per customer whose figures changed in a scoring: those
 * the scoring statement found changed (their tier as it was before the
 * re-tiering), those the re-tiering moved (figures read after it, so they
 * win), and those no longer scored (all null). Everyone else is left out.
 */
export function valueChanges(
  scored: Pick<ScoredCustomers, 'figureChanges' | 'removed'>,
  tierChanges: readonly TierChange[],
  asOf: Date,
): CustomerValueChangedDataV1[] {
  const latest = new Map<string, CustomerFigures>(scored.figureChanges.map((f) => [f.contactId, f]));
  for (const t of tierChanges) latest.set(t.contactId, t);
  const at = asOf.toISOString();
  return [
    ...[...latest.values()].map((f) => ({
      contactId: f.contactId,
      clv: f.clv === null ? null : estimateMoney(f.clv, f.currency),
      tier: f.tier,
      churnBand: f.churnBand,
      churnRisk: f.churnRisk,
      pAlive: f.pAlive,
      asOf: at,
    })),
    ...scored.removed.map((contactId) => ({ contactId, clv: null, tier: null, churnBand: null, churnRisk: null, pAlive: null, asOf: at })),
  ];
}

/** One event of a scoring, before it has an envelope (id and instant). */
export interface ScoringEventFields {
  type: typeof CUSTOMER_TIER_CHANGED | typeof CUSTOMER_CHURN_RISK_CHANGED | typeof CUSTOMER_VALUE_CHANGED;
  contactId: string;
  data: CustomerTierChangedDataV1 | CustomerChurnRiskChangedDataV1 | CustomerValueChangedDataV1;
}

/**
 * What a scoring announces, in order: tier moves, then band moves (service
 * levels, retention work follow them), then the changed values.
 */
export function scoringEventFields(
  scored: Pick<ScoredCustomers, 'bandChanges'>,
  tierChanges: readonly TierChange[],
  values: readonly CustomerValueChangedDataV1[],
): ScoringEventFields[] {
  return [
    // A customer who lost its tier with its CLV (no spend model) is told by the value event; a tier event names a tier.
    ...tierChanges.flatMap((c): ScoringEventFields[] =>
      c.tier === null || c.clv === null
        ? []
        : [
            {
              type: CUSTOMER_TIER_CHANGED,
              contactId: c.contactId,
              data: { contactId: c.contactId, previousTier: c.previousTier, tier: c.tier, clv: estimateMoney(c.clv, c.currency) },
            },
          ],
    ),
    ...scored.bandChanges.map((c: BandChange): ScoringEventFields => ({
      type: CUSTOMER_CHURN_RISK_CHANGED,
      contactId: c.contactId,
      data: {
        contactId: c.contactId,
        previousBand: c.previousBand,
        band: c.band,
        churnRisk: c.churnRisk,
        pAlive: c.pAlive,
        openComplaints: c.openComplaints,
        activityTrend: c.activityTrend,
      },
    })),
    ...values.map((data): ScoringEventFields => ({ type: CUSTOMER_VALUE_CHANGED, contactId: data.contactId, data })),
  ];
}

/** Everything a scoring announces (scoringEventFields), as new events of the tenant. */
export function scoringEvents(
  tenantId: string,
  scored: Pick<ScoredCustomers, 'bandChanges'>,
  tierChanges: readonly TierChange[],
  values: readonly CustomerValueChangedDataV1[],
): EventEnvelope[] {
  return scoringEventFields(scored, tierChanges, values).map((e) =>
    newEvent({ type: e.type, tenantId, actor: SYSTEM_ACTOR, subjectId: e.contactId, data: e.data }),
  );
}
