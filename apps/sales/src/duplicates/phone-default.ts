import type { PhoneDefault } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';

/**
 * The tenant's default for phone numbers written without a country code
 * ("DE" or "+49"), kept with the duplicate rules (setDuplicateRules,
 * defaultCountryCode); null when the tenant set none. Read in the caller's
 * tenant transaction.
 */
export async function tenantPhoneDefault(em: EntityManager): Promise<PhoneDefault | null> {
  const [row] = await em.query(`SELECT config->>'defaultCountryCode' AS cc FROM duplicate_rules`);
  return row?.cc ?? null;
}
