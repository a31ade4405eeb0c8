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
 */
export async function replaceExternalIds(
  em: EntityManager,
  tenantId: string,
  records: readonly { id: string; externalIds: readonly ExternalId[] }[],
): Promise<(ExternalId & { recordId: string })[]> {
  if (records.length === 0) return [];
  const owners = new Map<string, ExternalId & { recordId: string }>();
  for (const r of records)
    for (const x of r.externalIds) owners.set(`${x.source}\u0000${x.key}`, { source: x.source, key: x.key, recordId: r.id });
  const keys = [...owners.values()];
  await em.query(
    `DELETE FROM ${EXTERNAL_IDS} x
      WHERE x.tenant_id = $1 AND x.contact_id = ANY($2::uuid[])
        AND NOT EXISTS (SELECT 1 FROM unnest($3::uuid[], $4::text[], $5::text[]) AS k(contact_id, source, key)
                         WHERE k.contact_id = x.contact_id AND k.source = x.source AND k.key = x.key)`,
    [tenantId, records.map((r) => r.id), keys.map((x) => x.recordId), keys.map((x) => x.source), keys.map((x) => x.key)],
  );
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
