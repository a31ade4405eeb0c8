import type { EntityManager } from 'typeorm';

/** The double opt-in link was followed: the confirmation is used (the opt-in is recorded beside it, in `em`). */
export async function markConfirmed(em: EntityManager, tenantId: string, confirmationId: string, at: Date): Promise<void> {
  await em.query(`UPDATE consent_confirmations SET confirmed_at = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, confirmationId, at]);
}
