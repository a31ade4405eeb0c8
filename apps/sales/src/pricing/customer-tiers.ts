import { recordLatestTiers, type TierAt } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

/** Stores contacts' tiers (a batch in stream order), keeping a newer one already there. */
export function recordCustomerTiers(em: EntityManager, tenantId: string, tiers: readonly TierAt[]): Promise<void> {
  return recordLatestTiers(em, 'customer_tiers', tenantId, tiers);
}

/** The contact's value tier as analytics last published it; null when untiered or unknown. */
export async function customerTierOf(em: EntityManager, contactId: string | null): Promise<string | null> {
  if (!contactId) return null;
  const [row]: { tier: string | null }[] = await em.query(`SELECT tier FROM customer_tiers WHERE contact_id = $1`, [contactId]);
  return row?.tier ?? null;
}
