import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { ORDER_MATCHED_RETURNING, type MatchedOrderRow } from './order-matched-events';

/**
 * Which contact an order counts for follows the customer master (contacts,
 * their external ids, merges): these re-resolve the orders after the copy
 * changed, in the caller's (the projection's inbox) transaction.
 */

/** Orders given for these contacts by id now count for the contact or its survivor; returns the orders that moved. */
export async function matchOrdersOfContacts(
  em: EntityManager,
  tenantId: string,
  contactIds: readonly string[],
): Promise<MatchedOrderRow[]> {
  return returnedRows(
    await em.query(
      `UPDATE orders o SET contact_id = coalesce(c.merged_into, c.id)
         FROM contacts c
        WHERE c.tenant_id = $1 AND c.id = ANY($2::uuid[])
          AND o.tenant_id = $1 AND o.customer_contact_id = c.id
          AND o.contact_id IS DISTINCT FROM coalesce(c.merged_into, c.id)
        RETURNING ${ORDER_MATCHED_RETURNING}`,
      [tenantId, contactIds],
    ),
  );
}

/** Orders given for these external ids now count for the contact holding the id (or its survivor); returns the orders that moved. */
export async function matchOrdersOfExternalIds(
  em: EntityManager,
  tenantId: string,
  ids: readonly { source: string; key: string }[],
): Promise<MatchedOrderRow[]> {
  if (ids.length === 0) return [];
  return returnedRows(
    await em.query(
      `UPDATE orders o SET contact_id = r.contact_id
         FROM (SELECT x.source, x.key, coalesce(c.merged_into, x.contact_id) AS contact_id
                 FROM unnest($2::text[], $3::text[]) AS k(source, key)
                 JOIN contact_external_ids x ON x.tenant_id = $1 AND x.source = k.source AND x.key = k.key
                 LEFT JOIN contacts c ON c.tenant_id = $1 AND c.id = x.contact_id) r
        WHERE o.tenant_id = $1 AND o.customer_source = r.source AND o.customer_key = r.key
          AND o.contact_id IS DISTINCT FROM r.contact_id
        RETURNING ${ORDER_MATCHED_RETURNING}`,
      [tenantId, ids.map((x) => x.source), ids.map((x) => x.key)],
    ),
  );
}

/** After a merge or unmerge moved these contacts: their orders (by contact id or an external id they hold) count for their survivor now. */
export async function repointOrdersOfMoved(em: EntityManager, tenantId: string, contactIds: readonly string[]): Promise<void> {
  await em.query(
    `UPDATE orders o SET contact_id = r.contact_id
       FROM (SELECT o2.id, (SELECT coalesce(c.merged_into, c.id) FROM contacts c
                             WHERE c.tenant_id = o2.tenant_id AND c.id = o2.customer_contact_id) AS contact_id
               FROM orders o2 WHERE o2.tenant_id = $1 AND o2.customer_contact_id = ANY($2::uuid[])) r
      WHERE o.tenant_id = $1 AND o.id = r.id AND o.contact_id IS DISTINCT FROM r.contact_id`,
    [tenantId, contactIds],
  );
  await em.query(
    `UPDATE orders o SET contact_id = r.contact_id
       FROM (SELECT x.source, x.key, coalesce(c.merged_into, x.contact_id) AS contact_id
               FROM contact_external_ids x
               LEFT JOIN contacts c ON c.tenant_id = x.tenant_id AND c.id = x.contact_id
              WHERE x.tenant_id = $1 AND x.contact_id = ANY($2::uuid[])) r
      WHERE o.tenant_id = $1 AND o.customer_source = r.source AND o.customer_key = r.key
        AND o.contact_id IS DISTINCT FROM r.contact_id`,
    [tenantId, contactIds],
  );
}
