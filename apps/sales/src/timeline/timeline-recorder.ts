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
  | 'QUOTE_ACCEPTED';

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
  /** The activity, opportunity, lead or quote the entry is about. */
  refId: string | null;
}

/**
 * Writes timeline entries in the caller's transaction, next to the change and
 * its outbox event, so the timeline is exactly as durable as the change (the
 * outbox is purged after relaying and is no store for history).
 */
export class TimelineRecorder {
  static async record(em: EntityManager, entry: TimelineRecord): Promise<void> {
    const seen = new Set<string>();
    const subjects = entry.subjects.filter((s): s is { type: TimelineSubjectType; id: string } => {
      if (!s.id || seen.has(`${s.type}:${s.id}`)) return false;
      seen.add(`${s.type}:${s.id}`);
      return true;
    });
    if (subjects.length === 0) return;
    const values: unknown[] = [];
    const rows = subjects.map((s, i) => {
      values.push(uuidv7(), entry.tenantId, s.type, s.id, entry.kind, entry.occurredAt, entry.summary.slice(0, 500), entry.refId);
      const b = i * 8;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8})`;
    });
    await em.query(
      `INSERT INTO timeline_entries (id, tenant_id, subject_type, subject_id, kind, occurred_at, summary, ref_id) VALUES ${rows.join(', ')}`,
      values,
    );
  }
}

/** The account and contact an opportunity, quote or conversion shows on. */
export function customerSubjects(accountId: string | null | undefined, contactId: string | null | undefined): TimelineSubject[] {
  return [
    { type: 'ACCOUNT', id: accountId },
    { type: 'CONTACT', id: contactId },
  ];
}
