import * as cm from '@rapport/customer-master';
import type { CustomerTable } from '@rapport/customer-master';
import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';

/** Marketing's contacts, as the shared customer master keeps them. */
export const CONTACTS: CustomerTable = { kind: 'CONTACT', table: 'contacts' };

/** The contact each id stands for now: itself, or its survivor. Ids the read model has never seen stand for themselves. */
export const survivorsOf = (em: EntityManager, tenantId: string, ids: string[]) => cm.survivorsOf(em, tenantId, CONTACTS, ids);

export const survivorOf = (em: EntityManager, tenantId: string, id: string) => cm.survivorOf(em, tenantId, CONTACTS, id);

/**
 * Makes sure a row exists for each contact an event mentions (a tier, a
 * case, an order before the contact's own creation event). Such a
 * placeholder has no sales data yet and is left out of segments until the
 * contact's snapshot arrives.
 */
export const ensureContacts = (em: EntityManager, tenantId: string, ids: string[]) => cm.ensureRecords(em, tenantId, CONTACTS, ids);

/**
 * Recomputes what a survivor's row sums up over itself and everything merged
 * into it: open cases and complaints, placed orders, the last marketing
 * touch, and the journey-set attributes; rows whose sums are unchanged are
 * left as they are. Returns the survivors whose open complaints went from
 * some to none or back (journeys pause and resume on it).
 */
export async function refreshAggregates(
  em: EntityManager,
  tenantId: string,
  survivorIds: string[],
): Promise<{ complaintOpened: string[]; complaintsCleared: string[] }> {
  if (survivorIds.length === 0) return { complaintOpened: [], complaintsCleared: [] };
  const result: unknown = await em.query(
    `WITH survivors AS (SELECT DISTINCT s.id FROM unnest($2::uuid[]) AS s(id)),
          -- Each survivor and the rows merged into it, as two joins: one join on \`id = s.id OR merged_into = s.id\` could use
          -- neither index and compared every survivor with every contact of the tenant (ADR 086).
          grp AS (SELECT s.id AS survivor, s.id AS member FROM survivors s
                  UNION ALL
                  SELECT s.id, m.id FROM survivors s JOIN contacts m ON m.tenant_id = $1 AND m.merged_into = s.id),
          cases AS (SELECT g.survivor, count(*) FILTER (WHERE cc.open) AS open_cases,
                           count(*) FILTER (WHERE cc.open AND cc.category = 'COMPLAINT') AS open_complaints
                      FROM grp g JOIN contact_cases cc ON cc.tenant_id = $1 AND cc.contact_id = g.member GROUP BY g.survivor),
          orders AS (SELECT g.survivor, min(o.occurred_at) AS first_at, max(o.occurred_at) AS last_at, count(*) AS n
                       FROM grp g JOIN contact_orders o ON o.tenant_id = $1 AND o.contact_id = g.member
                      WHERE o.status = 'PLACED' GROUP BY g.survivor),
          touches AS (SELECT g.survivor, max(m.sent_at) AS last_at
                        FROM grp g JOIN messages m ON m.tenant_id = $1 AND m.contact_id = g.member GROUP BY g.survivor),
          attrs AS (SELECT g.survivor, jsonb_object_agg(kv.key, kv.value ORDER BY a.updated_at) AS attributes
                      FROM grp g JOIN contact_attributes a ON a.tenant_id = $1 AND a.contact_id = g.member
                      CROSS JOIN LATERAL jsonb_each(a.attributes) kv GROUP BY g.survivor),
          old AS (SELECT id, open_complaints FROM contacts WHERE tenant_id = $1 AND id IN (SELECT id FROM survivors)),
          counted AS (SELECT s.id, coalesce(cases.open_cases, 0) AS open_cases, coalesce(cases.open_complaints, 0) AS open_complaints,
                             orders.first_at, orders.last_at, coalesce(orders.n, 0) AS orders_count, touches.last_at AS last_touch_at,
                             coalesce(attrs.attributes, '{}'::jsonb) AS attributes
                        FROM survivors s
                        LEFT JOIN cases ON cases.survivor = s.id
                        LEFT JOIN orders ON orders.survivor = s.id
                        LEFT JOIN touches ON touches.survivor = s.id
                        LEFT JOIN attrs ON attrs.survivor = s.id)
     UPDATE contacts c SET
            open_cases = n.open_cases,
            open_complaints = n.open_complaints,
            first_order_at = n.first_at,
            last_order_at = n.last_at,
            orders_count = n.orders_count,
            last_touch_at = n.last_touch_at,
            attributes = n.attributes,
            projected_at = now()
       FROM counted n
       LEFT JOIN old ON old.id = n.id
      WHERE c.tenant_id = $1 AND c.id = n.id
        -- A row whose sums did not change is not written again (a new row version, and index entries where it is not HOT).
        AND (c.open_cases, c.open_complaints, c.first_order_at, c.last_order_at, c.orders_count, c.last_touch_at, c.attributes)
            IS DISTINCT FROM (n.open_cases, n.open_complaints, n.first_at, n.last_at, n.orders_count, n.last_touch_at, n.attributes)
  RETURNING c.id, coalesce(old.open_complaints, 0) AS before, c.open_complaints AS after`,
    [tenantId, survivorIds],
  );
  const list = returnedRows<{ id: string; before: number; after: number }>(result);
  return {
    complaintOpened: list.filter((r) => r.before === 0 && r.after > 0).map((r) => r.id),
    complaintsCleared: list.filter((r) => r.before > 0 && r.after === 0).map((r) => r.id),
  };
}
