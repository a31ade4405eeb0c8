import type { EntityManager } from 'typeorm';
import { lockReadModel } from './read-model-lock';

/** A message went out to the contact: its survivor's "last touched" moves forward (never back, for a late report). */
export async function touchContact(em: EntityManager, tenantId: string, contactId: string, at: Date): Promise<void> {
  await em.query(
    `UPDATE contacts SET last_touch_at = greatest(last_touch_at, $3)
      WHERE tenant_id = $1 AND id = (SELECT coalesce(merged_into, id) FROM contacts WHERE tenant_id = $1 AND id = $2)`,
    [tenantId, contactId, at],
  );
}

/**
 * touchContact for many messages at once: each survivor moves to the latest
 * of its contacts' sends. Many rows in one statement, beside the consumers'
 * batches: it takes the read model's lock shared (sends do not wait for
 * each other) and locks the survivors in id order, so two sends cannot
 * cross either (ADR 069).
 */
export async function touchContacts(
  em: EntityManager,
  tenantId: string,
  touches: readonly { contactId: string; at: Date }[],
): Promise<void> {
  if (touches.length === 0) return;
  await lockReadModel(em, tenantId, 'shared');
  await em.query(
    `WITH t AS (SELECT coalesce(m.merged_into, m.id) AS survivor, max(v.at) AS at
                  FROM unnest($2::uuid[], $3::timestamptz[]) AS v(contact_id, at)
                  JOIN contacts m ON m.tenant_id = $1 AND m.id = v.contact_id
                 GROUP BY 1),
          locked AS MATERIALIZED (SELECT c.id, t.at FROM contacts c JOIN t ON c.tenant_id = $1 AND c.id = t.survivor ORDER BY c.id FOR UPDATE OF c)
     UPDATE contacts c SET last_touch_at = greatest(c.last_touch_at, l.at)
       FROM locked l
      WHERE c.tenant_id = $1 AND c.id = l.id`,
    [tenantId, touches.map((t) => t.contactId), touches.map((t) => t.at)],
  );
}
