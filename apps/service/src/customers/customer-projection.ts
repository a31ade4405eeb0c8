import type { AccountSnapshotV1, ContactSnapshotV1 } from '@rapport/contracts';
import type { EntityManager } from 'typeorm';

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
  const standing = new Map<string, ContactSnapshotV1>();
  for (const contact of snapshots) {
    const before = standing.get(contact.id);
    if (!before || Date.parse(before.updatedAt) <= Date.parse(contact.updatedAt)) standing.set(contact.id, contact);
  }
  if (standing.size === 0) return;
  const contacts = [...standing.values()];
  const applied: { id: string }[] = await em.query(
    `INSERT INTO customer_contacts (tenant_id, id, account_id, owner_id, sales_updated_at)
     SELECT $1, c.id, c.account_id, c.owner_id, c.updated_at
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[]) AS c(id, account_id, owner_id, updated_at)
     ON CONFLICT (tenant_id, id) DO UPDATE SET account_id = EXCLUDED.account_id, owner_id = EXCLUDED.owner_id,
       sales_updated_at = EXCLUDED.sales_updated_at, projected_at = now()
       WHERE customer_contacts.sales_updated_at IS NULL OR customer_contacts.sales_updated_at <= EXCLUDED.sales_updated_at
     RETURNING id`,
    [
      tenantId,
      contacts.map((c) => c.id),
      contacts.map((c) => c.accountId ?? null),
      contacts.map((c) => c.ownerId ?? null),
      contacts.map((c) => c.updatedAt),
    ],
  );
  await replaceContactEmails(
    em,
    tenantId,
    applied.map((a) => standing.get(a.id) as ContactSnapshotV1),
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
