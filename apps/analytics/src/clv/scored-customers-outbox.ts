import { SYSTEM_ACTOR, type EventEnvelope } from '@rapport/contracts';
import { derivedEventId, STORED_TRACE_KEY, type OutboxExpander } from '@rapport/messaging';
import { SCORED_CHANGE, SCORED_CUSTOMERS_OUTBOX_TYPE, type ScoredCustomersRecord } from './clv-chunk-sql';
import { scoringEventFields, valueChanges } from './clv-events';
import { chunkChanges, type ChangedRow } from './clv-scoring-sql';
import { expandRfmChanges, RFM_CHANGES_OUTBOX_TYPE } from '../rfm/rfm-changes-outbox';

/**
 * The events a compact row of a full scoring stands for (ADR 060): the rows
 * SCORE_AND_RECORD_CHUNK_SQL writes are read back as the chunk's changed
 * customers and made into events by the same functions an incremental
 * scoring uses (chunkChanges → valueChanges → scoringEventFields), so the
 * messages consumers get are those of one envelope per event. Ids are
 * derived from the row's (derivedEventId), the instant and trace context
 * are the row's: the same row always gives the same envelopes.
 */
export const expandScoredCustomers: OutboxExpander = ({ id, envelope }) => {
  const record = envelope as ScoredCustomersRecord;
  const rows = record.customers.map(
    ([
      contactId,
      changes,
      previousTier,
      tier,
      clv,
      previousBand,
      churnBand,
      churnRisk,
      pAlive,
      openComplaints,
      activityTrend,
    ]): ChangedRow => ({
      contactId,
      clv,
      currency: record.currency,
      tier,
      churnBand,
      churnRisk,
      pAlive,
      previousTier,
      previousBand,
      openComplaints,
      activityTrend,
      tierChanged: (changes & SCORED_CHANGE.TIER) !== 0,
      bandChanged: (changes & SCORED_CHANGE.BAND) !== 0,
      figuresChanged: (changes & SCORED_CHANGE.FIGURES) !== 0,
    }),
  );
  const chunk = chunkChanges(rows.length, rows, true);
  const fields = scoringEventFields(chunk, chunk.tierChanges, valueChanges(chunk, chunk.tierChanges, new Date(record.asOf)));
  return fields.map((e, i): EventEnvelope => ({
    id: derivedEventId(id, i),
    type: e.type,
    version: 1,
    tenantId: record.tenantId,
    occurredAt: record.occurredAt,
    actor: SYSTEM_ACTOR,
    subjectId: e.contactId,
    data: e.data,
    ...(record.trace ? { [STORED_TRACE_KEY]: record.trace } : {}),
  }));
};

/** The analytics service's compact outbox rows and their expansion (ServiceDefinition.outboxExpanders). */
export const ANALYTICS_OUTBOX_EXPANDERS = {
  [SCORED_CUSTOMERS_OUTBOX_TYPE]: expandScoredCustomers,
  [RFM_CHANGES_OUTBOX_TYPE]: expandRfmChanges,
};
