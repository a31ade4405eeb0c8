import type { RecordScope } from '@rapport/auth';
import { visibleSql } from '@rapport/service-kit';
import type { EntityManager } from 'typeorm';

/**
 * Removes from duplicate hits every record outside the caller's sharing
 * scope, with one query for the whole batch: a candidate is named to the
 * caller, so a hidden one would reveal that it exists.
 */
export async function dropHiddenCandidates(
  em: EntityManager,
  table: 'contacts' | 'accounts',
  hits: Map<string, unknown>[],
  visible: RecordScope,
): Promise<void> {
  if (visible.all) return;
  const ids = [...new Set(hits.flatMap((m) => [...m.keys()]))];
  if (ids.length === 0) return;
  const params: unknown[] = [ids];
  const rows: { id: string }[] = await em.query(
    `SELECT id FROM ${table} WHERE id = ANY($1::uuid[]) AND ${visibleSql(visible, 'owner_id', params)}`,
    params,
  );
  const shown = new Set(rows.map((r) => r.id));
  for (const m of hits) for (const id of [...m.keys()]) if (!shown.has(id)) m.delete(id);
}
