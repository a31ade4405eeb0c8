import { conflict } from '@rapport/auth';
import { PG_UNIQUE_VIOLATION, pgConstraint, pgErrorCode } from '@rapport/persistence';
import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { ExternalIdInput } from '../contacts/contact-input';

/**
 * External ids (an ERP's customer number, a web shop's id) of contacts and
 * accounts: one table per kind, the same shape and rules — (source, key) is
 * unique per tenant, an id of a merged record resolves to its survivor. Every
 * read and write of either table goes through here, so contacts, accounts,
 * the import and merges cannot drift apart.
 */
export type ExternalIdKind = 'CONTACT' | 'ACCOUNT';

export interface ExternalIdTable {
  /** The external-id table. */
  table: string;
  /** Its column naming the record. */
  column: string;
  /** The records' table. */
  records: string;
  /** The primary key's name, which a clash names. */
  constraint: string;
  label: string;
}

export const EXTERNAL_ID_TABLES: Record<ExternalIdKind, ExternalIdTable> = {
  CONTACT: {
    table: 'contact_external_ids',
    column: 'contact_id',
    records: 'contacts',
    constraint: 'contact_external_ids_unique',
    label: 'contact',
  },
  ACCOUNT: {
    table: 'account_external_ids',
    column: 'account_id',
    records: 'accounts',
    constraint: 'account_external_ids_unique',
    label: 'account',
  },
};

interface WithExternalIds {
  id: string;
  tenantId: string;
  externalIds?: ExternalIdInput[];
}

/** Sets `externalIds` on each record (ordered by source, key), in one query. */
export async function loadExternalIds<T extends { id: string; externalIds?: ExternalIdInput[] }>(
  em: EntityManager,
  kind: ExternalIdKind,
  records: T[],
): Promise<T[]> {
  if (records.length === 0) return records;
  const t = EXTERNAL_ID_TABLES[kind];
  const rows: { id: string; source: string; key: string }[] = await em.query(
    `SELECT ${t.column}::text AS id, source, key FROM ${t.table} WHERE ${t.column} = ANY($1::uuid[]) ORDER BY source, key`,
    [records.map((r) => r.id)],
  );
  for (const r of records) r.externalIds = rows.filter((x) => x.id === r.id).map((x) => ({ source: x.source, key: x.key }));
  return records;
}

/** Inserts the external ids of new records, in one statement; a clash is a unique violation on the kind's constraint. */
export async function insertExternalIds(em: EntityManager, kind: ExternalIdKind, records: readonly WithExternalIds[]): Promise<void> {
  const xs = records.flatMap((r) => (r.externalIds ?? []).map((x) => ({ tenantId: r.tenantId, id: r.id, ...x })));
  if (xs.length === 0) return;
  const t = EXTERNAL_ID_TABLES[kind];
  await em.query(
    `INSERT INTO ${t.table} (tenant_id, source, key, ${t.column}) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[])`,
    [xs.map((x) => x.tenantId), xs.map((x) => x.source), xs.map((x) => x.key), xs.map((x) => x.id)],
  );
}

/** Replaces a record's external ids with `record.externalIds`. */
export async function replaceExternalIds(em: EntityManager, kind: ExternalIdKind, record: WithExternalIds): Promise<void> {
  const t = EXTERNAL_ID_TABLES[kind];
  await em.query(`DELETE FROM ${t.table} WHERE ${t.column} = $1`, [record.id]);
  await insertExternalIds(em, kind, [record]);
}

/**
 * Adds the ids a record does not hold yet (an import filling a match never
 * removes one); returns the full list afterwards and whether anything was added.
 */
export async function addExternalIds(
  em: EntityManager,
  kind: ExternalIdKind,
  tenantId: string,
  id: string,
  ids: readonly ExternalIdInput[],
): Promise<{ externalIds: ExternalIdInput[]; added: boolean }> {
  const [record] = await loadExternalIds(em, kind, [{ id } as { id: string; externalIds?: ExternalIdInput[] }]);
  const held = record.externalIds ?? [];
  const extra = ids.filter((x) => !held.some((y) => y.source === x.source && y.key === x.key));
  await insertExternalIds(em, kind, [{ id, tenantId, externalIds: extra }]);
  return { externalIds: [...held, ...extra], added: extra.length > 0 };
}

/** The live record holding each key of `source` (a merged holder resolves to its survivor), by key. */
export async function liveIdsByExternalKeys(
  em: EntityManager,
  kind: ExternalIdKind,
  source: string,
  keys: readonly string[],
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const t = EXTERNAL_ID_TABLES[kind];
  const rows: { key: string; id: string }[] = await em.query(
    `SELECT x.key, coalesce(r.merged_into, r.id)::text AS id FROM ${t.table} x JOIN ${t.records} r ON r.id = x.${t.column}
      WHERE x.source = $1 AND x.key = ANY($2::text[])`,
    [source, [...keys]],
  );
  return new Map(rows.map((r) => [r.key, r.id]));
}

/** Narrows a list of `alias` records to those holding the external id (bound as parameters). */
export function whereExternalId<T extends ObjectLiteral>(
  q: SelectQueryBuilder<T>,
  kind: ExternalIdKind,
  alias: string,
  id: ExternalIdInput,
): SelectQueryBuilder<T> {
  const t = EXTERNAL_ID_TABLES[kind];
  return q.andWhere(`EXISTS (SELECT 1 FROM ${t.table} x WHERE x.${t.column} = ${alias}.id AND x.source = :xsource AND x.key = :xkey)`, {
    xsource: id.source.trim().toLowerCase(),
    xkey: id.key.trim(),
  });
}

/** Whether an error is an external id of this kind already held by another record. */
export function isExternalIdClash(kind: ExternalIdKind, err: unknown): boolean {
  return pgErrorCode(err) === PG_UNIQUE_VIOLATION && pgConstraint(err) === EXTERNAL_ID_TABLES[kind].constraint;
}

/** The CONFLICT a write answers when one of its external ids is taken. */
export function externalIdTaken(kind: ExternalIdKind): Error {
  return conflict(`an external id is already used by another ${EXTERNAL_ID_TABLES[kind].label}`, 'externalIds');
}
