import type { AccountSnapshotV1, ContactSnapshotV1 } from '@rapport/contracts';
import { newestPerRecord, upsertSnapshots } from '@rapport/customer-master';
import type { EntityManager } from 'typeorm';
import { CUSTOMER_TABLES } from './customer-merges';

/**
 * The snapshot half of service's customer-master projection: which contacts
 * and accounts exist and a contact's account, as sales last said. Runs in
 * the event's inbox transaction. Redelivery may bring an older snapshot
 * after a newer one; the newer (by sales' updatedAt) wins. Merge state is
 * never taken from a snapshot (see CustomerMerges).
 */
/**
 * Applies a run of contact snapshots (a batch's consecutive ones) as if one
 * after the other, in three statements: per contact only the snapshot that
 * would be left standing counts (the newest by sales' updatedAt; of equal
 * ones the later), and it replaces the row and the contact's addresses only
 * if the stored row is not newer.
 */
export async function applyContactSnapshots(em: EntityManager, tenantId: string, snapshots: readonly ContactSnapshotV1[]): Promise<void> {
  const applied = new Set(
    await upsertSnapshots(
      em,
      tenantId,
      CUSTOMER_TABLES.CONTACT,
      ['account_id', 'owner_id'],
      snapshots.map((c) => ({
        id: c.id,
        updatedAt: c.updatedAt,
        columns: { account_id: c.accountId ?? null, owner_id: c.ownerId ?? null },
      })),
    ),
  );
  await replaceContactEmails(
    em,
    tenantId,
    newestPerRecord(snapshots).filter((c) => applied.has(c.id)),
  );
}

/**
 * The applied contacts' addresses, so an inbound email finds its sender
 * (ADR 039): replaced whole, as the snapshot that set the row has them.
 */
async function replaceContactEmails(em: EntityManager, tenantId: string, contacts: readonly ContactSnapshotV1[]): Promise<void> {
  if (contacts.length === 0) return;
  await em.query(`DELETE FROM customer_contact_emails WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`, [
    tenantId,
    contacts.map((c) => c.id),
  ]);
  const rows = contacts.flatMap((c) =>
    [...new Set((c.emails ?? []).map((e) => e.trim().toLowerCase()).filter((e) => e.includes('@')))].map((email, i) => ({
      contactId: c.id,
      email,
      position: i + 1,
    })),
  );
  if (rows.length > 0)
    await em.query(
      `INSERT INTO customer_contact_emails (tenant_id, contact_id, email, position)
       SELECT $1, e.contact_id, e.email, e.position FROM unnest($2::uuid[], $3::text[], $4::int[]) AS e(contact_id, email, position)
       ON CONFLICT DO NOTHING`,
      [tenantId, rows.map((r) => r.contactId), rows.map((r) => r.email), rows.map((r) => r.position)],
    );
}

export async function applyAccountSnapshot(em: EntityManager, tenantId: string, account: AccountSnapshotV1): Promise<void> {
  await em.query(
    `INSERT INTO customer_accounts (tenant_id, id, sales_updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, id) DO UPDATE SET sales_updated_at = EXCLUDED.sales_updated_at, projected_at = now()
       WHERE customer_accounts.sales_updated_at IS NULL OR customer_accounts.sales_updated_at <= EXCLUDED.sales_updated_at`,
    [tenantId, account.id, account.updatedAt],
  );
}
