import {
  ACCOUNT_DELETED,
  ACCOUNT_PURGED,
  ACCOUNT_RESTORED,
  CONTACT_DELETED,
  CONTACT_PURGED,
  CONTACT_RESTORED,
  type EventEnvelope,
  type RecordDeletedDataV1,
  type RecordPurgedDataV1,
  type RecordRestoredDataV1,
} from '@rapport/contracts';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import type { CustomerKind, CustomerTable } from './tables';

/** Sales' deletion events of contacts and accounts, which every copy of the customer master follows. */
export const CUSTOMER_DELETION_EVENT_TYPES = [
  CONTACT_DELETED,
  CONTACT_RESTORED,
  CONTACT_PURGED,
  ACCOUNT_DELETED,
  ACCOUNT_RESTORED,
  ACCOUNT_PURGED,
] as const;

/** What a deletion event says about one record. */
export type DeletionFact =
  | { kind: CustomerKind; change: 'deleted'; id: string; deletionId: string; at: string }
  | { kind: CustomerKind; change: 'restored'; id: string; deletionId: string }
  | { kind: CustomerKind; change: 'purged'; id: string; deletionId: string; at: string };

/** The fact of a contact or account deletion event; null for any other event. */
export function deletionFactOf(event: EventEnvelope): DeletionFact | null {
  const kind: CustomerKind | null = event.type.startsWith('sales.contact.')
    ? 'CONTACT'
    : event.type.startsWith('sales.account.')
      ? 'ACCOUNT'
      : null;
  if (!kind) return null;
  switch (event.type) {
    case CONTACT_DELETED:
    case ACCOUNT_DELETED: {
      const d = event.data as RecordDeletedDataV1;
      return { kind, change: 'deleted', id: d.id, deletionId: d.deletionId, at: d.deletedAt };
    }
    case CONTACT_RESTORED:
    case ACCOUNT_RESTORED: {
      const d = event.data as RecordRestoredDataV1;
      return { kind, change: 'restored', id: d.id, deletionId: d.deletionId };
    }
    case CONTACT_PURGED:
    case ACCOUNT_PURGED: {
      const d = event.data as RecordPurgedDataV1;
      return { kind, change: 'purged', id: d.id, deletionId: d.deletionId, at: d.purgedAt };
    }
    default:
      return null;
  }
}

/**
 * Applies a deletion fact to a projection table with the columns
 * `deleted_at`, `deletion_id` and `purged_at`: a deleted record is hidden
 * (each service filters on `deleted_at IS NULL` where it lists or counts
 * customers) and keeps everything for its restore; a restore undoes only its
 * own deletion (a redelivered, older restore never revives a newer deletion);
 * a purge is final — nothing brings the record back. Returns whether the
 * row changed.
 */
export async function applyDeletionFact(em: EntityManager, tenantId: string, t: CustomerTable, fact: DeletionFact): Promise<boolean> {
  let sql: string;
  let params: unknown[];
  switch (fact.change) {
    case 'deleted':
      sql = `UPDATE ${t.table} SET deleted_at = $3, deletion_id = $4, projected_at = now()
              WHERE tenant_id = $1 AND id = $2 AND purged_at IS NULL AND deletion_id IS DISTINCT FROM $4 RETURNING id`;
      params = [tenantId, fact.id, fact.at, fact.deletionId];
      break;
    case 'restored':
      sql = `UPDATE ${t.table} SET deleted_at = NULL, deletion_id = NULL, projected_at = now()
              WHERE tenant_id = $1 AND id = $2 AND purged_at IS NULL AND deletion_id = $3 RETURNING id`;
      params = [tenantId, fact.id, fact.deletionId];
      break;
    case 'purged':
      sql = `UPDATE ${t.table} SET purged_at = $3, deleted_at = coalesce(deleted_at, $3), projected_at = now()
              WHERE tenant_id = $1 AND id = $2 AND purged_at IS NULL RETURNING id`;
      params = [tenantId, fact.id, fact.at];
      break;
  }
  return returnedRows<{ id: string }>(await em.query(sql, params)).length > 0;
}

/** Migration helper: the deletion columns a projection table needs for applyDeletionFact. */
export async function addDeletionColumns(q: { query(sql: string): Promise<unknown> }, table: string): Promise<void> {
  await q.query(
    `ALTER TABLE ${table} ADD COLUMN deleted_at timestamptz(3), ADD COLUMN deletion_id uuid, ADD COLUMN purged_at timestamptz(3)`,
  );
}
