import type { EntityManager } from 'typeorm';
import { receiptKey, type ValidCommerceEvent } from './commerce-event-input';

/**
 * Claims a receipt for each event; returns the keys (receiptKey) claimed now.
 * An event whose receipt exists was recorded before: it is not published
 * again. Keys are inserted in sorted order, so two overlapping batches wait
 * for each other instead of deadlocking; the second finds the first's rows.
 */
export async function claimReceipts(em: EntityManager, tenantId: string, events: readonly ValidCommerceEvent[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const sorted = [...events].sort((a, b) => (receiptKey(a.source, a.eventId) < receiptKey(b.source, b.eventId) ? -1 : 1));
  const rows: { source: string; event_id: string }[] = await em.query(
    `INSERT INTO commerce_event_receipts (tenant_id, source, event_id, type)
     SELECT $1, k.source, k.event_id, k.type FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS k(source, event_id, type, n)
      ORDER BY k.n
     ON CONFLICT DO NOTHING RETURNING source, event_id`,
    [tenantId, sorted.map((e) => e.source), sorted.map((e) => e.eventId), sorted.map((e) => e.type)],
  );
  return new Set(rows.map((r) => receiptKey(r.source, r.event_id)));
}

/** Gives back receipts of events that were claimed but then rejected (the caller may fix and resend them). */
export async function releaseReceipts(em: EntityManager, tenantId: string, events: readonly ValidCommerceEvent[]): Promise<void> {
  if (events.length === 0) return;
  await em.query(
    `DELETE FROM commerce_event_receipts r USING unnest($2::text[], $3::text[]) AS k(source, event_id)
      WHERE r.tenant_id = $1 AND r.source = k.source AND r.event_id = k.event_id`,
    [tenantId, events.map((e) => e.source), events.map((e) => e.eventId)],
  );
}
