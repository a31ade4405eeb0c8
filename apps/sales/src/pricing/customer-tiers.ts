import type { EntityManager } from 'typeorm';

/** Stores a contact's tier as of `at`, unless a newer one is already there. */
export async function recordCustomerTier(em: EntityManager, tenantId: string, contactId: string, tier: string | null, at: Date) {
  await em.query(
    `INSERT INTO customer_tiers (tenant_id, contact_id, tier, changed_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, contact_id) DO UPDATE SET tier = EXCLUDED.tier, changed_at = EXCLUDED.changed_at
      WHERE customer_tiers.changed_at <= EXCLUDED.changed_at`,
    [tenantId, contactId, tier, at],
  );
}

/** The contact's value tier as analytics last published it; null when untiered or unknown. */
export async function customerTierOf(em: EntityManager, contactId: string | null): Promise<string | null> {
  if (!contactId) return null;
  const [row]: { tier: string | null }[] = await em.query(`SELECT tier FROM customer_tiers WHERE contact_id = $1`, [contactId]);
  return row?.tier ?? null;
}
