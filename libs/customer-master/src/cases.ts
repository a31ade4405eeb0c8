import {
  CASE_OPENED,
  CASE_REOPENED,
  CASE_RESOLVED,
  CASE_STATUS_CHANGED,
  CASE_UPDATED,
  CASE_DELETED,
  CASE_PURGED,
  CASE_RESTORED,
  CASE_RESYNCED,
  type CaseOpenedV1,
  type CaseResyncedV1,
  type CaseReopenedV1,
  type CaseResolvedV1,
  type CaseStatusChangedV1,
  type CaseStatusV1,
  type CaseUpdatedV1,
  type EventEnvelope,
  type RecordDeletedDataV1,
  type RecordPurgedDataV1,
  type RecordRestoredDataV1,
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
export const CASE_EVENT_TYPES: string[] = [CASE_OPENED, CASE_UPDATED, CASE_RESOLVED, CASE_REOPENED, CASE_STATUS_CHANGED, CASE_RESYNCED];

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
    // The case as service holds it now, republished for a rebuild (ADR 053): as of its last change, so a later fact still wins.
    case CASE_RESYNCED: {
      const c = (event as CaseResyncedV1).data.case;
      return { caseId: c.id, contact: { id: c.contactId, category: c.category }, status: c.status, at: c.updatedAt };
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
  return moveOf(
    fact.caseId,
    fact.contact
      ? await em.query(SNAPSHOT_SQL, [tenantId, fact.caseId, fact.contact.id, fact.contact.category, fact.status, fact.at])
      : await em.query(STATUS_SQL, [tenantId, fact.caseId, fact.status, fact.at]),
  );
}

/** The move a statement's RETURNING row describes; null when the statement changed nothing. */
function moveOf(caseId: string, result: unknown): CaseMove | null {
  const [row] = returnedRows<{
    contact_id: string | null;
    category: string | null;
    open: boolean;
    existed: boolean | null;
    old_contact: string | null;
    old_category: string | null;
    old_open: boolean | null;
  }>(result);
  if (!row) return null;
  return {
    caseId,
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

/** Service's deletion events of cases, which each contact_cases follows (ADR 037). */
export const CASE_DELETION_EVENT_TYPES: string[] = [CASE_DELETED, CASE_RESTORED, CASE_PURGED];

/** What a case deletion event says. */
export interface CaseDeletionFact {
  caseId: string;
  change: 'deleted' | 'restored' | 'purged';
  deletionId: string;
  at: string;
}

/** The fact of a case deletion event; null for any other event. */
export function caseDeletionFactOf(event: EventEnvelope): CaseDeletionFact | null {
  switch (event.type) {
    case CASE_DELETED: {
      const d = event.data as RecordDeletedDataV1;
      return { caseId: d.id, change: 'deleted', deletionId: d.deletionId, at: d.deletedAt };
    }
    case CASE_RESTORED: {
      const d = event.data as RecordRestoredDataV1;
      return { caseId: d.id, change: 'restored', deletionId: d.deletionId, at: d.restoredAt };
    }
    case CASE_PURGED: {
      const d = event.data as RecordPurgedDataV1;
      return { caseId: d.id, change: 'purged', deletionId: d.deletionId, at: d.purgedAt };
    }
    default:
      return null;
  }
}

const OLD_ROW = `WITH old AS (SELECT contact_id, category, open FROM contact_cases WHERE tenant_id = $1 AND case_id = $2)`;
const RETURNING_MOVE = `RETURNING k.contact_id, k.category, k.open, (SELECT true FROM old) AS existed,
            (SELECT contact_id FROM old) AS old_contact, (SELECT category FROM old) AS old_category, (SELECT open FROM old) AS old_open`;

/*
 * A deletion that arrives before the case's first event (a redelivery, a
 * replay cut short) leaves a row with no contact whose status any case event
 * overwrites ('-infinity'), so the case stays hidden once its opening arrives.
 * A restore undoes only its own deletion, a purge is final: the same rules as
 * applyDeletionFact for contacts and accounts.
 */
const CASE_DELETION_SQL: Record<CaseDeletionFact['change'], string> = {
  deleted: `${OLD_ROW}
    INSERT INTO contact_cases AS k (tenant_id, case_id, status, changed_at, deleted_at, deletion_id)
    VALUES ($1, $2, 'OPEN', '-infinity', $3, $4)
    ON CONFLICT (tenant_id, case_id) DO UPDATE SET deleted_at = EXCLUDED.deleted_at, deletion_id = EXCLUDED.deletion_id
    WHERE k.purged_at IS NULL AND k.deletion_id IS DISTINCT FROM EXCLUDED.deletion_id
    ${RETURNING_MOVE}`,
  restored: `${OLD_ROW}
    UPDATE contact_cases k SET deleted_at = NULL, deletion_id = NULL
     WHERE k.tenant_id = $1 AND k.case_id = $2 AND k.purged_at IS NULL AND k.deletion_id = $3
    ${RETURNING_MOVE}`,
  purged: `${OLD_ROW}
    INSERT INTO contact_cases AS k (tenant_id, case_id, status, changed_at, deleted_at, deletion_id, purged_at)
    VALUES ($1, $2, 'OPEN', '-infinity', $3, $4, $3)
    ON CONFLICT (tenant_id, case_id) DO UPDATE SET purged_at = EXCLUDED.purged_at, deleted_at = coalesce(k.deleted_at, EXCLUDED.deleted_at)
    WHERE k.purged_at IS NULL
    ${RETURNING_MOVE}`,
};

/**
 * Applies a case deletion to `contact_cases`, in the caller's transaction: a
 * deleted case counts for nobody (`open` is false while `deleted_at` is
 * set), a restored one counts again as it stood. Returns null when nothing
 * changed.
 */
export async function applyCaseDeletion(em: EntityManager, tenantId: string, fact: CaseDeletionFact): Promise<CaseMove | null> {
  const params = fact.change === 'restored' ? [tenantId, fact.caseId, fact.deletionId] : [tenantId, fact.caseId, fact.at, fact.deletionId];
  return moveOf(fact.caseId, await em.query(CASE_DELETION_SQL[fact.change], params));
}

/** Applies any case event (snapshot, status change, deletion) to `contact_cases`; null when it changed nothing. */
export async function applyCaseEvent(em: EntityManager, tenantId: string, event: EventEnvelope): Promise<CaseMove | null> {
  const fact = caseFactOf(event);
  if (fact) return applyCaseFact(em, tenantId, fact);
  const deletion = caseDeletionFactOf(event);
  return deletion ? applyCaseDeletion(em, tenantId, deletion) : null;
}

/**
 * Migration helper: the deletion columns of contact_cases, and `open`
 * redefined to count only live cases (readers filter on `open`, so a
 * deleted case drops out of every count without a second condition).
 */
export async function addCaseDeletionColumns(q: { query(sql: string): Promise<unknown> }): Promise<void> {
  await q.query(
    `ALTER TABLE contact_cases ADD COLUMN deleted_at timestamptz(3), ADD COLUMN deletion_id uuid, ADD COLUMN purged_at timestamptz(3)`,
  );
  await q.query(`DROP INDEX contact_cases_open`);
  await q.query(`ALTER TABLE contact_cases DROP COLUMN open`);
  await q.query(
    `ALTER TABLE contact_cases ADD COLUMN open boolean
       GENERATED ALWAYS AS (status NOT IN ('RESOLVED', 'CLOSED') AND deleted_at IS NULL) STORED`,
  );
  await q.query(`CREATE INDEX contact_cases_open ON contact_cases (tenant_id, contact_id) WHERE open`);
}

/** Undoes addCaseDeletionColumns. */
export async function dropCaseDeletionColumns(q: { query(sql: string): Promise<unknown> }): Promise<void> {
  await q.query(`DROP INDEX contact_cases_open`);
  await q.query(`ALTER TABLE contact_cases DROP COLUMN open`);
  await q.query(`ALTER TABLE contact_cases DROP COLUMN deleted_at, DROP COLUMN deletion_id, DROP COLUMN purged_at`);
  await q.query(`ALTER TABLE contact_cases ADD COLUMN open boolean GENERATED ALWAYS AS (status NOT IN ('RESOLVED', 'CLOSED')) STORED`);
  await q.query(`CREATE INDEX contact_cases_open ON contact_cases (tenant_id, contact_id) WHERE open`);
}
