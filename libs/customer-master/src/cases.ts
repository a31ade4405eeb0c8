import {
  CASE_OPENED,
  CASE_REOPENED,
  CASE_RESOLVED,
  CASE_STATUS_CHANGED,
  CASE_UPDATED,
  type CaseOpenedV1,
  type CaseReopenedV1,
  type CaseResolvedV1,
  type CaseStatusChangedV1,
  type CaseStatusV1,
  type CaseUpdatedV1,
  type EventEnvelope,
} from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

/**
 * The service case events a projection of cases per contact follows. Each
 * service that keeps such a projection has a `contact_cases` table in its
 * own schema, of this shape (its own migration creates it):
 * - `tenant_id uuid, case_id uuid`: the primary key;
 * - `contact_id uuid, category text`: from the newest case snapshot, as of
 *   `snapshot_at timestamptz(3)`; all three null while only a status change
 *   has arrived (the case then counts for nobody);
 * - `status text`, as of `changed_at timestamptz(3)`: from the newest event
 *   of any kind;
 * - `open boolean GENERATED ALWAYS AS (status NOT IN ('RESOLVED','CLOSED')) STORED`.
 * Versioning the two halves separately makes the row a function of which
 * events arrived, not of their order: a redelivered older event changes
 * nothing, and a status change that overtakes the case's opening is kept.
 * The row names the contact the case was opened for; readers count it for
 * that contact's survivor.
 */
export const CASE_EVENT_TYPES: string[] = [CASE_OPENED, CASE_UPDATED, CASE_RESOLVED, CASE_REOPENED, CASE_STATUS_CHANGED];

/** One case as an event reports it. A status change names only the case: contact and category stay as stored. */
export interface CaseFact {
  caseId: string;
  /** Absent for a status change; null when the case names no contact. */
  contact?: { id: string | null; category: string };
  status: CaseStatusV1;
  at: string;
}

/** The fact a case event states, or null for any other event. */
export function caseFactOf(event: EventEnvelope): CaseFact | null {
  switch (event.type) {
    // An update counts too: staff may recategorise a case (a question that turns out to be a complaint) or change its contact.
    case CASE_OPENED:
    case CASE_UPDATED:
    case CASE_RESOLVED:
    case CASE_REOPENED: {
      const c = (event as CaseOpenedV1 | CaseUpdatedV1 | CaseResolvedV1 | CaseReopenedV1).data.case;
      // The snapshot's status is the case's after the event (RESOLVED, OPEN again after a reopen).
      return { caseId: c.id, contact: { id: c.contactId, category: c.category }, status: c.status, at: event.occurredAt };
    }
    case CASE_STATUS_CHANGED: {
      const d = (event as CaseStatusChangedV1).data;
      return { caseId: d.caseId, status: d.to, at: event.occurredAt };
    }
    default:
      return null;
  }
}

/** A case row as it stands, for the contact it counts for. */
export interface CaseRow {
  contactId: string | null;
  category: string | null;
  open: boolean;
}

/** What applying a fact changed: the row before (null if new) and after. */
export interface CaseMove {
  caseId: string;
  before: CaseRow | null;
  after: CaseRow;
}

const SNAPSHOT_SQL = `
  WITH old AS (SELECT contact_id, category, open FROM contact_cases WHERE tenant_id = $1 AND case_id = $2)
  INSERT INTO contact_cases AS k (tenant_id, case_id, contact_id, category, snapshot_at, status, changed_at)
  VALUES ($1, $2, $3, $4, $6, $5, $6)
  ON CONFLICT (tenant_id, case_id) DO UPDATE SET
    contact_id = CASE WHEN k.snapshot_at IS NULL OR k.snapshot_at <= EXCLUDED.snapshot_at THEN EXCLUDED.contact_id ELSE k.contact_id END,
    category = CASE WHEN k.snapshot_at IS NULL OR k.snapshot_at <= EXCLUDED.snapshot_at THEN EXCLUDED.category ELSE k.category END,
    snapshot_at = greatest(k.snapshot_at, EXCLUDED.snapshot_at),
    status = CASE WHEN k.changed_at <= EXCLUDED.changed_at THEN EXCLUDED.status ELSE k.status END,
    changed_at = greatest(k.changed_at, EXCLUDED.changed_at)
  WHERE k.snapshot_at IS NULL OR k.snapshot_at <= EXCLUDED.snapshot_at OR k.changed_at <= EXCLUDED.changed_at
  RETURNING k.contact_id, k.category, k.open, (SELECT true FROM old) AS existed,
            (SELECT contact_id FROM old) AS old_contact, (SELECT category FROM old) AS old_category, (SELECT open FROM old) AS old_open`;

const STATUS_SQL = `
  WITH old AS (SELECT contact_id, category, open FROM contact_cases WHERE tenant_id = $1 AND case_id = $2)
  INSERT INTO contact_cases AS k (tenant_id, case_id, status, changed_at)
  VALUES ($1, $2, $3, $4)
  ON CONFLICT (tenant_id, case_id) DO UPDATE SET status = EXCLUDED.status, changed_at = EXCLUDED.changed_at
  WHERE k.changed_at <= EXCLUDED.changed_at
  RETURNING k.contact_id, k.category, k.open, (SELECT true FROM old) AS existed,
            (SELECT contact_id FROM old) AS old_contact, (SELECT category FROM old) AS old_category, (SELECT open FROM old) AS old_open`;

/**
 * Applies one case fact to `contact_cases`, in the caller's transaction.
 * Returns null when it changed nothing (an older fact than the row holds:
 * a replay or redelivery).
 */
export async function applyCaseFact(em: EntityManager, tenantId: string, fact: CaseFact): Promise<CaseMove | null> {
  const [row] = returnedRows<{
    contact_id: string | null;
    category: string | null;
    open: boolean;
    existed: boolean | null;
    old_contact: string | null;
    old_category: string | null;
    old_open: boolean | null;
  }>(
    fact.contact
      ? await em.query(SNAPSHOT_SQL, [tenantId, fact.caseId, fact.contact.id, fact.contact.category, fact.status, fact.at])
      : await em.query(STATUS_SQL, [tenantId, fact.caseId, fact.status, fact.at]),
  );
  if (!row) return null;
  return {
    caseId: fact.caseId,
    before: row.existed ? { contactId: row.old_contact, category: row.old_category, open: row.old_open === true } : null,
    after: { contactId: row.contact_id, category: row.category, open: row.open },
  };
}

/** The contacts whose counts a move may change: the one the case counts for now, and the one it left. */
export function contactsTouchedBy(move: CaseMove, counts: (row: CaseRow) => boolean = () => true): string[] {
  const touched = new Set<string>();
  if (move.after.contactId && counts(move.after)) touched.add(move.after.contactId);
  if (move.before?.contactId && counts(move.before)) touched.add(move.before.contactId);
  return [...touched];
}
