import type { EntityManager } from 'typeorm';

/**
 * Every record that is the same person as any of `ids` in a projection (or
 * sales' own table) with `merged_into`: the ids, their survivors, and every
 * record merged into one of those survivors. Data-subject requests follow
 * merges with this, so an erasure of the survivor reaches what was filed
 * under a merged duplicate. Unmerged records are people of their own again
 * and stay out. `table` is a trusted identifier written in code.
 */
export async function personRecordIds(em: EntityManager, tenantId: string, table: string, ids: readonly string[]): Promise<string[]> {
  const rows: { id: string }[] = await em.query(
    `WITH given AS (SELECT unnest($2::uuid[]) AS id),
          survivors AS (SELECT coalesce(r.merged_into, g.id) AS id FROM given g LEFT JOIN ${table} r ON r.tenant_id = $1 AND r.id = g.id)
     SELECT id FROM given UNION SELECT id FROM survivors
     UNION SELECT r.id FROM ${table} r WHERE r.tenant_id = $1 AND r.merged_into IN (SELECT id FROM survivors)`,
    [tenantId, [...new Set(ids)]],
  );
  return rows.map((r) => r.id).sort();
}
