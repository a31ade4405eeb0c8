import type { EntityManager } from 'typeorm';

/**
 * Contacts merged into another no longer have a value of their own: the
 * survivor's rescoring counts their orders. Called by the customer master's
 * merge, in its transaction.
 */
export async function dropValuesOfMerged(em: EntityManager, tenantId: string, contactIds: readonly string[]): Promise<void> {
  if (contactIds.length === 0) return;
  await em.query(`DELETE FROM customer_values WHERE tenant_id = $1 AND contact_id = ANY($2::uuid[])`, [tenantId, contactIds]);
}
