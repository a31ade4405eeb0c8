import type { EntityManager } from 'typeorm';
import type { ContactEntity } from './contact.entity';

/**
 * New contacts, however many, in one INSERT (the import's path; their
 * external ids are written by external-ids, their events by the caller, in
 * the same transaction). The rows travel as one JSON parameter read by
 * jsonb_to_recordset: the repository's multi-row insert built a statement
 * of 15 parameters per row, which for a batch of 1,000 cost more CPU in
 * TypeORM's parameter handling than the INSERT took in Postgres (ADR 090).
 */
export async function insertContacts(em: EntityManager, contacts: readonly ContactEntity[]): Promise<void> {
  if (contacts.length === 0) return;
  const rows = contacts.map((c) => ({
    id: c.id,
    tenant_id: c.tenantId,
    account_id: c.accountId,
    owner_id: c.ownerId,
    first_name: c.firstName,
    last_name: c.lastName,
    emails: c.emails,
    phones: c.phones,
    addresses: c.addresses,
    source: c.source,
    tags: c.tags,
    merged_into: c.mergedInto,
    merged_at: c.mergedAt,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  }));
  await em.query(
    `INSERT INTO contacts (${CONTACT_COLUMNS}) SELECT ${CONTACT_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS r(
       id uuid, tenant_id uuid, account_id uuid, owner_id uuid, first_name text, last_name text, emails text[], phones text[],
       addresses jsonb, source text, tags text[], merged_into uuid, merged_at timestamptz, created_at timestamptz, updated_at timestamptz)`,
    [JSON.stringify(rows)],
  );
}

const CONTACT_COLUMNS =
  'id, tenant_id, account_id, owner_id, first_name, last_name, emails, phones, addresses, source, tags, merged_into, merged_at, created_at, updated_at';

/** The contacts changed without an edit of their own (an account merge moved them): their version moves on. */
export async function touchContacts(em: EntityManager, ids: readonly string[], at: Date): Promise<void> {
  await em.query(`UPDATE contacts SET updated_at = $2 WHERE id = ANY($1::uuid[])`, [ids, at]);
}
