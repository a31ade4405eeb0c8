import type { EntityManager } from 'typeorm';
import type { TenantDatabase } from '@rapport/persistence';

/**
 * Reads behind the support mailboxes: which tenant a slug names (across
 * tenants, as the runtime role: the address is all an inbound email brings),
 * and which contacts an address belongs to (in the tenant's transaction).
 */
export async function tenantOfSlug(tenantDb: TenantDatabase, slug: string): Promise<string | null> {
  const rows: { tenant_id: string }[] = await tenantDb.system((em) =>
    em.query(`SELECT tenant_id FROM inbound_mailboxes WHERE slug = $1`, [slug]),
  );
  return rows[0]?.tenant_id ?? null;
}

/** A new tenant's support mailbox, `<slug>@SERVICE_INBOUND_EMAIL_DOMAIN`; an existing one is kept. */
export async function createSupportMailbox(em: EntityManager, tenantId: string, slug: string): Promise<void> {
  await em.query(`INSERT INTO inbound_mailboxes (tenant_id, slug) VALUES ($1, lower($2)) ON CONFLICT (tenant_id) DO NOTHING`, [
    tenantId,
    slug,
  ]);
}

export async function slugOfTenant(em: EntityManager): Promise<string | null> {
  const rows: { slug: string }[] = await em.query(`SELECT slug FROM inbound_mailboxes`);
  return rows[0]?.slug ?? null;
}

/** Contacts (never merged-away ones: their survivor has the address too) with this address. */
export async function contactsWithEmail(em: EntityManager, email: string): Promise<string[]> {
  const rows: { id: string }[] = await em.query(
    `SELECT DISTINCT c.id FROM customer_contact_emails e
       JOIN customer_contacts c ON c.tenant_id = e.tenant_id AND c.id = e.contact_id
      WHERE e.email = $1 AND c.merged_into IS NULL`,
    [email.toLowerCase()],
  );
  return rows.map((r) => r.id);
}

export async function caseOfToken(
  em: EntityManager,
  token: string,
): Promise<{ id: string; contactId: string | null; status: string } | null> {
  const rows: { id: string; contactId: string | null; status: string }[] = await em.query(
    `SELECT c.id, c.contact_id AS "contactId", c.status FROM case_reply_tokens t JOIN cases c ON c.id = t.case_id WHERE t.token = $1`,
    [token],
  );
  return rows[0] ?? null;
}

export async function tokenOfCase(em: EntityManager, tenantId: string, caseId: string, fresh: () => string): Promise<string> {
  await em.query(`INSERT INTO case_reply_tokens (tenant_id, case_id, token) VALUES ($1, $2, $3) ON CONFLICT (case_id) DO NOTHING`, [
    tenantId,
    caseId,
    fresh(),
  ]);
  const [row]: { token: string }[] = await em.query(`SELECT token FROM case_reply_tokens WHERE case_id = $1`, [caseId]);
  return row.token;
}
