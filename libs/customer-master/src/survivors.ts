import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import { MAX_CHAIN, MERGE_MEMBERS, type CustomerTable } from './tables';

/** A record whose survivor changed: it stood for `from` and stands for `to` now (either may be itself). */
export interface SurvivorChange {
  id: string;
  from: string;
  to: string;
}

/**
 * Makes sure a row exists for each id an event names, so facts that arrive
 * before the record's own snapshot (a merge, a case, an order) have somewhere
 * to go. Such a placeholder has no sales data (`sales_updated_at` null).
 */
export async function ensureRecords(em: EntityManager, tenantId: string, t: CustomerTable, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await em.query(
    `INSERT INTO ${t.table} (tenant_id, id) SELECT $1, i.id FROM unnest($2::uuid[]) AS i(id) ON CONFLICT (tenant_id, id) DO NOTHING`,
    [tenantId, [...new Set(ids)]],
  );
}

/** The record each id stands for now: itself, or the survivor it was merged into. Unknown ids stand for themselves. */
export async function survivorsOf(
  em: EntityManager,
  tenantId: string,
  t: CustomerTable,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const rows: { id: string; survivor: string }[] = await em.query(
    `SELECT i.id, coalesce(r.merged_into, i.id) AS survivor
       FROM unnest($2::uuid[]) AS i(id) LEFT JOIN ${t.table} r ON r.tenant_id = $1 AND r.id = i.id`,
    [tenantId, [...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.id, r.survivor]));
}

export async function survivorOf(em: EntityManager, tenantId: string, t: CustomerTable, id: string): Promise<string> {
  return (await survivorsOf(em, tenantId, t, [id])).get(id) ?? id;
}

/**
 * Recomputes the survivor of every record whose chain of merges in force may
 * pass through one of `changed` (the records whose log rows just changed):
 * those records, their survivors, and everything that stood for either.
 * A record's direct survivor is that of its newest merge in force; the walk
 * stops where a chain would close on itself (only possible while events are
 * still arriving out of order). Records the projection does not hold are
 * left out. Returns the records whose survivor changed.
 */
export async function recomputeSurvivors(
  em: EntityManager,
  tenantId: string,
  t: CustomerTable,
  changed: readonly string[],
): Promise<SurvivorChange[]> {
  if (changed.length === 0) return [];
  const rows: SurvivorChange[] = await em.query(
    `WITH RECURSIVE
       seeds AS (SELECT DISTINCT unnest($3::uuid[]) AS id),
       tops AS (SELECT coalesce(r.merged_into, r.id) AS id FROM ${t.table} r JOIN seeds s ON r.tenant_id = $1 AND r.id = s.id
                UNION SELECT id FROM seeds),
       affected AS (SELECT id FROM tops
                    UNION SELECT r.id FROM ${t.table} r WHERE r.tenant_id = $1 AND r.merged_into IN (SELECT id FROM tops)),
       walk(start, id, path) AS (
         SELECT a.id, a.id, ARRAY[a.id] FROM affected a
         UNION ALL
         SELECT w.start, p.survivor_id, w.path || p.survivor_id
           FROM walk w
           CROSS JOIN LATERAL (
             SELECT m.survivor_id FROM ${MERGE_MEMBERS} m
              WHERE m.tenant_id = $1 AND m.kind = $2 AND m.member_id = w.id AND m.merged_at IS NOT NULL AND m.unmerged_at IS NULL
              ORDER BY m.merged_at DESC, m.merge_id DESC LIMIT 1) p
          WHERE NOT p.survivor_id = ANY(w.path) AND cardinality(w.path) < ${MAX_CHAIN}
       ),
       roots AS (SELECT DISTINCT ON (start) start AS id, id AS root FROM walk ORDER BY start, cardinality(path) DESC),
       old AS (SELECT r.id, coalesce(r.merged_into, r.id) AS before FROM ${t.table} r JOIN roots USING (id) WHERE r.tenant_id = $1),
       upd AS (UPDATE ${t.table} r SET merged_into = NULLIF(roots.root, r.id), projected_at = now()
                 FROM roots
                WHERE r.tenant_id = $1 AND r.id = roots.id AND r.merged_into IS DISTINCT FROM NULLIF(roots.root, r.id)
                RETURNING r.id, coalesce(r.merged_into, r.id) AS after)
     SELECT upd.id, old.before AS "from", upd.after AS "to" FROM upd JOIN old USING (id) ORDER BY upd.id`,
    [tenantId, t.kind, [...new Set(changed)]],
  );
  return rows;
}

/**
 * Forgets records known only because a merge named them (no snapshot ever
 * arrived) once nothing in force refers to them: an unmerge returns such a
 * record to "unknown", as it was before the merge. Returns the ids forgotten.
 */
export async function forgetPlaceholders(em: EntityManager, tenantId: string, t: CustomerTable, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows: { id: string }[] = await em.query(
    `DELETE FROM ${t.table} r
      WHERE r.tenant_id = $1 AND r.id = ANY($3::uuid[]) AND r.sales_updated_at IS NULL AND r.merged_into IS NULL
        AND NOT EXISTS (SELECT 1 FROM ${MERGE_MEMBERS} m
                         WHERE m.tenant_id = $1 AND m.kind = $2 AND (m.member_id = r.id OR m.survivor_id = r.id)
                           AND m.merged_at IS NOT NULL AND m.unmerged_at IS NULL)
      RETURNING r.id`,
    [tenantId, t.kind, [...new Set(ids)]],
  );
  return returnedRows<{ id: string }>(rows).map((r) => r.id);
}
