import type { EntityManager } from 'typeorm';
import type { OrderCustomer } from './order-input';

/** Lookup key of a customer reference within one batch. */
export function customerKey(c: OrderCustomer): string {
  if ('guest' in c) return 'g';
  return 'contactId' in c ? `c\u0000${c.contactId}` : `x\u0000${c.source}\u0000${c.key}`;
}

/**
 * Resolves a batch's customer references to the contacts they count for, in
 * two queries however large the batch: external ids through the projection
 * of sales' customer master, contact ids through `merged_into` (an order
 * for a merged contact counts for the survivor). Unknown references map to
 * null: the order is kept unmatched until the contact arrives. A guest
 * order has no reference and resolves to null for good.
 */
export async function resolveCustomers(
  em: EntityManager,
  tenantId: string,
  customers: OrderCustomer[],
): Promise<Map<string, string | null>> {
  const resolved = new Map<string, string | null>(customers.map((c) => [customerKey(c), null]));
  const contactIds = [...new Set(customers.flatMap((c) => ('contactId' in c ? [c.contactId] : [])))];
  // Each external id once: a batch's orders repeat their customers (a few buy often), and every repeat was another
  // probe of the join and another row to parse.
  const byKey = new Map<string, { source: string; key: string }>();
  for (const c of customers) if ('source' in c) byKey.set(customerKey(c), c);
  const external = [...byKey.values()];

  if (contactIds.length > 0) {
    const rows: { id: string; contact_id: string }[] = await em.query(
      `SELECT id, coalesce(merged_into, id) AS contact_id FROM contacts WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, contactIds],
    );
    for (const r of rows) resolved.set(customerKey({ contactId: r.id }), r.contact_id);
  }
  if (external.length > 0) {
    const rows: { source: string; key: string; contact_id: string }[] = await em.query(
      `SELECT x.source, x.key, coalesce(c.merged_into, x.contact_id) AS contact_id
         FROM unnest($2::text[], $3::text[]) AS k(source, key)
         JOIN contact_external_ids x ON x.tenant_id = $1 AND x.source = k.source AND x.key = k.key
         LEFT JOIN contacts c ON c.tenant_id = x.tenant_id AND c.id = x.contact_id`,
      [tenantId, external.map((x) => x.source), external.map((x) => x.key)],
    );
    for (const r of rows) resolved.set(customerKey({ source: r.source, key: r.key }), r.contact_id);
  }
  return resolved;
}
