import type { EntityManager } from 'typeorm';

/**
 * The distinct names the FUZZY_NAME rule searches (contact_names, ADR 078)
 * are added by triggers and kept while any contact row has them. Removing
 * contacts' names for good (erasure, purge) runs inside `withNamesPruned`:
 * it takes the tenant's names lock before its own writes and afterwards
 * deletes every name no contact row has any more, so an erased person's name
 * (and any former name of theirs) does not stay behind in that table.
 */
export async function withNamesPruned<T>(em: EntityManager, work: () => Promise<T>): Promise<T> {
  await em.query(`SELECT sales_contact_names_lock()`);
  const result = await work();
  await em.query(`SELECT sales_contact_names_prune()`);
  return result;
}
