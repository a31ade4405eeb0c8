import type { EntityManager } from 'typeorm';
import type { CustomerTable } from './tables';

/** The table of partner keys (source, key) a service resolves incoming events by; same shape wherever it is kept. */
export const EXTERNAL_IDS = 'contact_external_ids';

export interface ExternalId {
  source: string;
  key: string;
}

/**
 * Replaces the external ids of the given records with those of their
 * applied snapshots (oldest snapshot first: sales keeps keys unique, so a key
 * that moved between two records of a batch goes to the newer one).
 * Returns the keys now held, with their record.
 *
 * The keys the records hold now are read record by record (`heldKeys`), and
 * only those their snapshots no longer name are deleted, by key: one DELETE
 * over `contact_id = ANY(…)` was planned as a scan of all the tenant's keys
 * (the index's tenant prefix, then the batch's ids as a filter), so every
 * batch of snapshots read every key of the tenant — 20,000 rows per batch
 * with 20,000 customers, all of them at a million (ADR 091). A batch of new
 * contacts, which hold no keys yet, now reads none and deletes nothing.
 */
export async function replaceExternalIds(
  em: EntityManager,
  tenantId: string,
  records: readonly { id: string; externalIds: readonly ExternalId[] }[],
): Promise<(ExternalId & { recordId: string })[]> {
  if (records.length === 0) return [];
  const owners = new Map<string, ExternalId & { recordId: string }>();
  for (const r of records) for (const x of r.externalIds) owners.set(externalIdKey(x), { source: x.source, key: x.key, recordId: r.id });
  const keys = [...owners.values()];
  const gone = (await heldKeys(em, tenantId, records)).filter((x) => owners.get(externalIdKey(x))?.recordId !== x.contactId);
  if (gone.length > 0) {
    // Only while the record still holds the key: the rows of the batch's records are locked, their keys are not.
    await em.query(
      `DELETE FROM ${EXTERNAL_IDS} x
        USING unnest($2::text[], $3::text[], $4::uuid[]) AS g(source, key, contact_id)
        WHERE x.tenant_id = $1 AND x.source = g.source AND x.key = g.key AND x.contact_id = g.contact_id`,
      [tenantId, gone.map((x) => x.source), gone.map((x) => x.key), gone.map((x) => x.contactId)],
    );
  }
  if (keys.length > 0) {
    await em.query(
      `INSERT INTO ${EXTERNAL_IDS} (tenant_id, source, key, contact_id)
       SELECT $1, k.source, k.key, k.contact_id FROM unnest($2::text[], $3::text[], $4::uuid[]) AS k(source, key, contact_id)
       ON CONFLICT (tenant_id, source, key) DO UPDATE SET contact_id = EXCLUDED.contact_id`,
      [tenantId, keys.map((x) => x.source), keys.map((x) => x.key), keys.map((x) => x.recordId)],
    );
  }
  return keys;
}

/**
 * The keys the records hold, found record by record through the
 * (tenant_id, contact_id) index: `OFFSET 0` keeps the lookup a subquery per
 * record, so the work follows the batch whatever the planner believes about
 * the tenant's size (a table not analysed yet looks a few rows small).
 */
async function heldKeys(
  em: EntityManager,
  tenantId: string,
  records: readonly { id: string }[],
): Promise<(ExternalId & { contactId: string })[]> {
  return em.query(
    `SELECT x.source, x.key, x.contact_id AS "contactId"
       FROM unnest($2::uuid[]) AS r(id)
       CROSS JOIN LATERAL (SELECT y.source, y.key, y.contact_id FROM ${EXTERNAL_IDS} y
                            WHERE y.tenant_id = $1 AND y.contact_id = r.id OFFSET 0) x`,
    [tenantId, [...new Set(records.map((r) => r.id))]],
  );
}

/** The survivor each external id belongs to now (after merges); keys nobody holds are absent. */
export async function resolveExternalIds(
  em: EntityManager,
  tenantId: string,
  t: CustomerTable,
  keys: readonly ExternalId[],
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows: { source: string; key: string; id: string }[] = await em.query(
    `SELECT x.source, x.key, coalesce(r.merged_into, x.contact_id) AS id
       FROM unnest($2::text[], $3::text[]) AS k(source, key)
       JOIN ${EXTERNAL_IDS} x ON x.tenant_id = $1 AND x.source = k.source AND x.key = k.key
       LEFT JOIN ${t.table} r ON r.tenant_id = $1 AND r.id = x.contact_id`,
    [tenantId, keys.map((k) => k.source), keys.map((k) => k.key)],
  );
  return new Map(rows.map((r) => [externalIdKey(r), r.id]));
}

export function externalIdKey(x: ExternalId): string {
  return `${x.source}\u0000${x.key}`;
}
