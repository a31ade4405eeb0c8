import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

export type TimelineSubjectType = 'LEAD' | 'CONTACT' | 'ACCOUNT' | 'OPPORTUNITY';

export type TimelineKind =
  | 'ACTIVITY_CREATED'
  | 'ACTIVITY_COMPLETED'
  | 'OPPORTUNITY_CREATED'
  | 'OPPORTUNITY_STAGE_CHANGED'
  | 'OPPORTUNITY_WON'
  | 'OPPORTUNITY_LOST'
  | 'LEAD_CONVERTED'
  | 'QUOTE_SENT'
  | 'QUOTE_ACCEPTED'
  // Reported by other services and projected here (timeline-elsewhere.ts).
  | 'CASE_OPENED'
  | 'CASE_RESOLVED'
  | 'CASE_REOPENED'
  | 'ORDER_PLACED'
  | 'MESSAGE_SENT'
  | 'CONSENT_CHANGED';

export interface TimelineSubject {
  type: TimelineSubjectType;
  id: string | null | undefined;
}

export interface TimelineRecord {
  tenantId: string;
  /** Records the entry shows on; null ids (e.g. no primary contact) are skipped, duplicates collapse. */
  subjects: TimelineSubject[];
  kind: TimelineKind;
  occurredAt: Date;
  summary: string;
  /** The activity, opportunity, lead, quote, case, order, message or contact the entry is about. */
  refId: string | null;
  /** The owner of that record where sharing depends on it and sales does not hold the record (a case). */
  refOwnerId?: string | null;
}

/**
 * Writes timeline entries in the caller's transaction, next to the change and
 * its outbox event, so the timeline is exactly as durable as the change (the
 * outbox is purged after relaying and is no store for history).
 */
export class TimelineRecorder {
  static async record(em: EntityManager, entry: TimelineRecord): Promise<void> {
    await TimelineRecorder.recordAll(em, [entry]);
  }

  /**
   * Writes many entries in one statement (a consumer's batch), in the given
   * order; returns, per entry, whether it produced a row (an entry whose
   * subjects are all null shows nowhere and writes none).
   */
  static async recordAll(em: EntityManager, entries: readonly TimelineRecord[]): Promise<boolean[]> {
    const columns: unknown[][] = [[], [], [], [], [], [], [], [], []];
    const wrote = entries.map((entry) => {
      const subjects = distinctSubjects(entry.subjects);
      for (const s of subjects) {
        const row = [
          uuidv7(),
          entry.tenantId,
          s.type,
          s.id,
          entry.kind,
          entry.occurredAt,
          entry.summary.slice(0, 500),
          entry.refId,
          entry.refOwnerId ?? null,
        ];
        row.forEach((value, c) => columns[c].push(value));
      }
      return subjects.length > 0;
    });
    if (columns[0].length === 0) return wrote;
    await em.query(
      `INSERT INTO timeline_entries (id, tenant_id, subject_type, subject_id, kind, occurred_at, summary, ref_id, ref_owner_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::timestamptz[], $7::text[], $8::uuid[], $9::uuid[])`,
      columns,
    );
    return wrote;
  }

  /** Of the given refs, those that already have an entry of `kind` (on any subject: a merge may have moved it). */
  static async refsWithEntry(em: EntityManager, refIds: readonly string[], kind: TimelineKind): Promise<Set<string>> {
    if (refIds.length === 0) return new Set();
    const rows: { ref_id: string }[] = await em.query(
      `SELECT DISTINCT ref_id FROM timeline_entries WHERE ref_id = ANY($1::uuid[]) AND kind = $2`,
      [refIds, kind],
    );
    return new Set(rows.map((r) => r.ref_id));
  }

  /** A case changed hands: its entries follow the owner service's assignment, for the sharing rules. */
  static async setRefOwner(em: EntityManager, refId: string, ownerId: string | null): Promise<void> {
    await em.query(`UPDATE timeline_entries SET ref_owner_id = $2 WHERE ref_id = $1`, [refId, ownerId]);
  }

  /** A record elsewhere was deleted (hide its entries), restored (show them again) or purged (drop them). */
  static async followDeletion(em: EntityManager, op: 'withdraw' | 'restore' | 'purge', refId: string): Promise<void> {
    if (op === 'purge') await em.query(`DELETE FROM timeline_entries WHERE ref_id = $1`, [refId]);
    else await em.query(`UPDATE timeline_entries SET withdrawn = $2 WHERE ref_id = $1`, [refId, op === 'withdraw']);
  }
}

/** The subjects with an id, each once. */
function distinctSubjects(subjects: readonly TimelineSubject[]): { type: TimelineSubjectType; id: string }[] {
  const seen = new Set<string>();
  return subjects.filter((s): s is { type: TimelineSubjectType; id: string } => {
    if (!s.id || seen.has(`${s.type}:${s.id}`)) return false;
    seen.add(`${s.type}:${s.id}`);
    return true;
  });
}

/** The account and contact an opportunity, quote or conversion shows on. */
export function customerSubjects(accountId: string | null | undefined, contactId: string | null | undefined): TimelineSubject[] {
  return [
    { type: 'ACCOUNT', id: accountId },
    { type: 'CONTACT', id: contactId },
  ];
}
