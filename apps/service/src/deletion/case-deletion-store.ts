import type { EventActor } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';

/** A deleted case waiting out its restore window. */
export interface DeletedCaseRow {
  id: string;
  deletionId: string;
  label: string;
  deletedAt: Date;
  restorableUntil: Date;
  deletedBy: EventActor;
}

export const DELETED_CASE_SELECT = `case_id AS id, deletion_id AS "deletionId", label, deleted_at AS "deletedAt",
  restorable_until AS "restorableUntil", deleted_by AS "deletedBy"`;

/** The case, deleted or not, locked (null when it never existed or was purged). */
export async function lockAnyCase(
  em: EntityManager,
  id: string,
): Promise<{ id: string; ownerId: string | null; contactId: string | null; deletedAt: Date | null } | null> {
  const [row] = await em.query(
    `SELECT id, owner_id AS "ownerId", contact_id AS "contactId", deleted_at AS "deletedAt" FROM cases_all WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return row ?? null;
}

export async function markCaseDeleted(
  em: EntityManager,
  tenantId: string,
  id: string,
  deletion: { id: string; at: Date; until: Date; by: EventActor },
): Promise<DeletedCaseRow> {
  await em.query(`UPDATE cases_all SET deleted_at = $2, deletion_id = $3 WHERE id = $1`, [id, deletion.at, deletion.id]);
  const [row] = await em.query(
    `INSERT INTO deleted_cases (tenant_id, case_id, deletion_id, label, deleted_at, restorable_until, deleted_by)
     SELECT $1, c.id, $3, c.subject, $4, $5, $6::jsonb FROM cases_all c WHERE c.id = $2
     RETURNING ${DELETED_CASE_SELECT}`,
    [tenantId, id, deletion.id, deletion.at, deletion.until, JSON.stringify(deletion.by)],
  );
  return row;
}

export async function lockDeletedCase(em: EntityManager, id: string): Promise<DeletedCaseRow | null> {
  const [row] = await em.query(`SELECT ${DELETED_CASE_SELECT} FROM deleted_cases WHERE case_id = $1 FOR UPDATE`, [id]);
  return row ?? null;
}

export async function unmarkCaseDeleted(em: EntityManager, id: string): Promise<void> {
  await em.query(`UPDATE cases_all SET deleted_at = NULL, deletion_id = NULL WHERE id = $1`, [id]);
  await em.query(`DELETE FROM deleted_cases WHERE case_id = $1`, [id]);
}
