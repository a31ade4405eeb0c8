import { CUSTOMER_RFM_CHANGED, type CustomerRfmChangedDataV1, type EventActor, type EventEnvelope } from '@rapport/contracts';
import { derivedEventId, OUTBOX_PACK, STORED_TRACE_KEY, type OutboxExpander } from '@rapport/messaging';
import { moneyView } from '@rapport/money';
import type { RfmChange } from './rfm-sql';

/** The outbox row type of a recompute's changed contacts (RECOMPUTE_AND_RECORD_RFM_SQL; expandRfmChanges). */
export const RFM_CHANGES_OUTBOX_TYPE = 'analytics.rfm.changed-customers';

/** Contacts per compact row: one event each, so a row expands to at most a pack's worth (OUTBOX_PACK). */
export const RFM_CHANGES_PER_ROW = OUTBOX_PACK;

/** One changed contact in a compact row, in RECOMPUTE_AND_RECORD_RFM_SQL's order: RfmChange's fields. */
export type RfmChangeFields = [
  contactId: string,
  previousSegmentKey: string | null,
  previousScore: string | null,
  segmentKey: string | null,
  segmentName: string | null,
  score: string | null,
  recencyDays: number | null,
  frequency: number | null,
  monetary: string | null,
  currency: string | null,
];

/** A compact row's envelope column: the run's common envelope fields once, then its changed contacts. */
export interface RfmChangesRecord {
  tenantId: string;
  occurredAt: string;
  asOf: string;
  actor: EventActor;
  trace: Record<string, string> | null;
  customers: RfmChangeFields[];
}

/** The data of a contact's `analytics.customer.rfm_changed` (monetary at the currency's minor units). */
export function rfmChangedData(asOf: string, c: RfmChange): CustomerRfmChangedDataV1 {
  return {
    contactId: c.contactId,
    previousSegmentKey: c.previousSegmentKey,
    previousScore: c.previousScore,
    segmentKey: c.segmentKey,
    segmentName: c.segmentName,
    score: c.score,
    recencyDays: c.recencyDays,
    frequency: c.frequency,
    monetary: c.monetary !== null && c.currency !== null ? moneyView(c.monetary, c.currency).amount : null,
    currency: c.currency,
    asOf,
  };
}

/**
 * The rfm_changed events a compact row stands for (ADR 061), one per contact
 * in the row's order, made by rfmChangedData as a recompute announcing its
 * changes in Node made them; ids derived from the row's (derivedEventId),
 * instant, actor and trace context the row's: the same row always gives the
 * same envelopes.
 */
export const expandRfmChanges: OutboxExpander = ({ id, envelope }) => {
  const record = envelope as RfmChangesRecord;
  // Rebuilt in the envelope's own key order (jsonb stored it sorted), so the published bytes are those of before.
  const actor: EventActor = { kind: record.actor.kind, id: record.actor.id };
  return record.customers.map(
    (
      [contactId, previousSegmentKey, previousScore, segmentKey, segmentName, score, recencyDays, frequency, monetary, currency],
      i,
    ): EventEnvelope => ({
      id: derivedEventId(id, i),
      type: CUSTOMER_RFM_CHANGED,
      version: 1,
      tenantId: record.tenantId,
      occurredAt: record.occurredAt,
      actor,
      subjectId: contactId,
      data: rfmChangedData(record.asOf, {
        contactId,
        previousSegmentKey,
        previousScore,
        segmentKey,
        segmentName,
        score,
        recencyDays,
        frequency,
        monetary,
        currency,
      }),
      ...(record.trace ? { [STORED_TRACE_KEY]: record.trace } : {}),
    }),
  );
};
