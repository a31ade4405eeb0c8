import type { EntityManager } from 'typeorm';

/** A message went out to the contact: its survivor's "last touched" moves forward (never back, for a late report). */
export async function touchContact(em: EntityManager, tenantId: string, contactId: string, at: Date): Promise<void> {
  await em.query(
    `UPDATE contacts SET last_touch_at = greatest(last_touch_at, $3)
      WHERE tenant_id = $1 AND id = (SELECT coalesce(merged_into, id) FROM contacts WHERE tenant_id = $1 AND id = $2)`,
    [tenantId, contactId, at],
  );
}
