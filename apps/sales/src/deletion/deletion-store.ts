import type { EventActor } from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

/** The kinds of sales record that are deleted into the restore window. */
export type SalesDeletableType = 'CONTACT' | 'ACCOUNT' | 'OPPORTUNITY' | 'LEAD' | 'ACTIVITY' | 'PRODUCT';

/** Per kind: the table of all rows (deleted ones too), the GraphQL type name, and how a row is named in the bin. */
export const DELETABLE: Readonly<Record<SalesDeletableType, { table: string; typename: string; label: string }>> = {
  CONTACT: { table: 'contacts_all', typename: 'Contact', label: `concat_ws(' ', first_name, last_name)` },
  ACCOUNT: { table: 'accounts_all', typename: 'Account', label: 'name' },
  OPPORTUNITY: { table: 'opportunities_all', typename: 'Opportunity', label: 'name' },
  LEAD: { table: 'leads_all', typename: 'Lead', label: `concat_ws(' ', first_name, last_name)` },
  ACTIVITY: { table: 'activities_all', typename: 'Activity', label: 'subject' },
  PRODUCT: { table: 'products_all', typename: 'Product', label: 'name' },
};

/** A record row as deletion needs it, deleted or not. */
export interface DeletableRow {
  id: string;
  ownerId: string | null;
  deletedAt: Date | null;
  mergedInto: string | null;
  accountId: string | null;
  /** Activities: what the activity is about. */
  targetType: string | null;
  targetId: string | null;
}

/** One record in the bin: deleted, restorable until `restorableUntil`, then purged. */
export interface DeletedRecordRow {
  recordType: SalesDeletableType;
  id: string;
  deletionId: string;
  cascadeOf: string | null;
  label: string;
  deletedAt: Date;
  restorableUntil: Date;
  deletedBy: EventActor;
  detachedContactIds: string[];
}

const DELETED_COLUMNS = `record_type AS "recordType", record_id AS id, deletion_id AS "deletionId", cascade_of AS "cascadeOf", label,
  deleted_at AS "deletedAt", restorable_until AS "restorableUntil", deleted_by AS "deletedBy", detached_contact_ids AS "detachedContactIds"`;

/** Reads and locks the record whether deleted or not (null when it never existed, or was purged). */
export async function lockRecord(em: EntityManager, type: SalesDeletableType, id: string): Promise<DeletableRow | null> {
  const merged = type === 'CONTACT' || type === 'ACCOUNT' ? 'merged_into' : 'NULL::uuid';
  const account = type === 'CONTACT' || type === 'OPPORTUNITY' ? 'account_id' : 'NULL::uuid';
  const owner = type === 'PRODUCT' ? 'NULL::uuid' : 'owner_id';
  const [targetType, targetId] = type === 'ACTIVITY' ? ['target_type', 'target_id'] : ['NULL::text', 'NULL::uuid'];
  const [row] = await em.query(
    `SELECT id, ${owner} AS "ownerId", deleted_at AS "deletedAt", ${merged} AS "mergedInto", ${account} AS "accountId",
            ${targetType} AS "targetType", ${targetId} AS "targetId"
       FROM ${DELETABLE[type].table} WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return (row as DeletableRow | undefined) ?? null;
}

/** The live records of an account (locked), for its deletion to detach or take along. */
export async function liveRecordsOfAccount(
  em: EntityManager,
  accountId: string,
): Promise<{ contacts: { id: string; ownerId: string | null }[]; opportunities: { id: string; ownerId: string | null }[] }> {
  const contacts = await em.query(`SELECT id, owner_id AS "ownerId" FROM contacts WHERE account_id = $1 ORDER BY id FOR UPDATE`, [
    accountId,
  ]);
  const opportunities = await em.query(`SELECT id, owner_id AS "ownerId" FROM opportunities WHERE account_id = $1 ORDER BY id FOR UPDATE`, [
    accountId,
  ]);
  return { contacts, opportunities };
}

/** Hides the records (one kind) and puts them in the bin under one deletion. */
export async function markDeleted(
  em: EntityManager,
  tenantId: string,
  type: SalesDeletableType,
  ids: readonly string[],
  deletion: { id: string; cascadeOf: string | null; at: Date; until: Date; by: EventActor; detachedContactIds?: string[] },
): Promise<void> {
  if (ids.length === 0) return;
  const { table, label } = DELETABLE[type];
  await em.query(`UPDATE ${table} SET deleted_at = $2, deletion_id = $3 WHERE id = ANY($1::uuid[])`, [ids, deletion.at, deletion.id]);
  await em.query(
    `INSERT INTO deleted_records (tenant_id, record_type, record_id, deletion_id, cascade_of, label, deleted_at, restorable_until, deleted_by, detached_contact_ids)
     SELECT $1, $2, r.id, $3, $4, ${label}, $5, $6, $7::jsonb, $8::uuid[] FROM ${table} r WHERE r.id = ANY($9::uuid[])`,
    [
      tenantId,
      type,
      deletion.id,
      deletion.cascadeOf,
      deletion.at,
      deletion.until,
      JSON.stringify(deletion.by),
      deletion.detachedContactIds ?? [],
      ids,
    ],
  );
}

/** The bin entry of a record, locked (null when the record is not deleted). */
export async function lockDeletedRecord(em: EntityManager, type: SalesDeletableType, id: string): Promise<DeletedRecordRow | null> {
  const [row] = await em.query(`SELECT ${DELETED_COLUMNS} FROM deleted_records WHERE record_type = $1 AND record_id = $2 FOR UPDATE`, [
    type,
    id,
  ]);
  return (row as DeletedRecordRow | undefined) ?? null;
}

/** Every record of one deletion (the record deleted and what went with it), locked. */
export async function recordsOfDeletion(em: EntityManager, deletionId: string): Promise<DeletedRecordRow[]> {
  return em.query(`SELECT ${DELETED_COLUMNS} FROM deleted_records WHERE deletion_id = $1 ORDER BY record_type, record_id FOR UPDATE`, [
    deletionId,
  ]);
}

/** Shows the records again and takes them out of the bin. */
export async function unmarkDeleted(em: EntityManager, records: readonly DeletedRecordRow[]): Promise<void> {
  for (const type of Object.keys(DELETABLE) as SalesDeletableType[]) {
    const ids = records.filter((r) => r.recordType === type).map((r) => r.id);
    if (ids.length === 0) continue;
    await em.query(`UPDATE ${DELETABLE[type].table} SET deleted_at = NULL, deletion_id = NULL WHERE id = ANY($1::uuid[])`, [ids]);
    await em.query(`DELETE FROM deleted_records WHERE record_type = $1 AND record_id = ANY($2::uuid[])`, [type, ids]);
  }
}

/** Puts back on their account the contacts its deletion detached, unless they were given another since. */
export async function reattachContacts(em: EntityManager, accountId: string, contactIds: readonly string[]): Promise<string[]> {
  if (contactIds.length === 0) return [];
  const rows = returnedRows<{ id: string }>(
    await em.query(
      `UPDATE contacts SET account_id = $1, updated_at = now() WHERE id = ANY($2::uuid[]) AND account_id IS NULL RETURNING id`,
      [accountId, contactIds],
    ),
  );
  return rows.map((r) => r.id);
}

/** The bin's columns, for a page of it (paginateSql). */
export const DELETED_RECORD_SELECT = DELETED_COLUMNS;
