import type { AccountSnapshotV1, ContactSnapshotV1 } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';

/**
 * The snapshot half of service's customer-master projection: which contacts
 * and accounts exist and a contact's account, as sales last said. Runs in
 * the event's inbox transaction. Redelivery may bring an older snapshot
 * after a newer one; the newer (by sales' updatedAt) wins. Merge state is
 * never taken from a snapshot (see CustomerMerges).
 */
export async function applyContactSnapshot(em: EntityManager, tenantId: string, contact: ContactSnapshotV1): Promise<void> {
  await em.query(
    `INSERT INTO customer_contacts (tenant_id, id, account_id, owner_id, sales_updated_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, id) DO UPDATE SET account_id = EXCLUDED.account_id, owner_id = EXCLUDED.owner_id,
       sales_updated_at = EXCLUDED.sales_updated_at, projected_at = now()
       WHERE customer_contacts.sales_updated_at IS NULL OR customer_contacts.sales_updated_at <= EXCLUDED.sales_updated_at`,
    [tenantId, contact.id, contact.accountId ?? null, contact.ownerId ?? null, contact.updatedAt],
  );
  await applyContactEmails(em, tenantId, contact);
}

/**
 * The contact's addresses, so an inbound email finds its sender (ADR 039);
 * replaced whole unless a newer snapshot already set them.
 */
async function applyContactEmails(em: EntityManager, tenantId: string, contact: ContactSnapshotV1): Promise<void> {
  const [current]: { newer: boolean }[] = await em.query(
    `SELECT sales_updated_at > $3 AS newer FROM customer_contacts WHERE tenant_id = $1 AND id = $2`,
    [tenantId, contact.id, contact.updatedAt],
  );
  if (current?.newer) return;
  await em.query(`DELETE FROM customer_contact_emails WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contact.id]);
  const emails = [...new Set((contact.emails ?? []).map((e) => e.trim().toLowerCase()).filter((e) => e.includes('@')))];
  if (emails.length > 0)
    await em.query(
      `INSERT INTO customer_contact_emails (tenant_id, contact_id, email, position)
       SELECT $1, $2, e.email, e.position FROM unnest($3::text[]) WITH ORDINALITY AS e(email, position) ON CONFLICT DO NOTHING`,
      [tenantId, contact.id, emails],
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
