import { returnedRows } from '@rapport/persistence';
import type { EntityManager } from 'typeorm';
import type { CustomerTable } from './tables';

/** One record as sales last described it: its id, sales' updatedAt, and the service's own columns (by column name). */
export interface RecordSnapshot {
  id: string;
  updatedAt: string;
  columns?: Record<string, unknown>;
}

/**
 * The newest snapshot of each record in a batch (by sales' `updatedAt`; the
 * later one of a tie), oldest first — the order sales made the changes in.
 */
export function newestPerRecord<T extends { id: string; updatedAt: string }>(snapshots: readonly T[]): T[] {
  const newest = new Map<string, T>();
  for (const s of snapshots) {
    const before = newest.get(s.id);
    if (!before || before.updatedAt <= s.updatedAt) newest.set(s.id, s);
  }
  return [...newest.values()].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
}

/**
 * Upserts snapshots of records, however many: the newest by sales'
 * updatedAt wins, also against an older one redelivered later (and within
 * the batch). `columns` are the service's own column names (trusted, from
 * code); their values are converted by the table's own column types.
 * Merge state is never taken from a snapshot. Rows are written in id
 * order, so the statement takes its row locks (and waits on a concurrent
 * insert of the same id) in the order every ordered writer of the table
 * does, and can itself be a batch's one lock-taking statement. Returns the
 * ids applied.
 */
export async function upsertSnapshots(
  em: EntityManager,
  tenantId: string,
  t: CustomerTable,
  columns: readonly string[],
  snapshots: readonly RecordSnapshot[],
): Promise<string[]> {
  const newest = newestPerRecord(snapshots);
  if (newest.length === 0) return [];
  // The same object as a spread, which cost about four times as much per row once serialised (ADR 091).
  const rows = newest.map((s) => Object.assign({}, s.columns, { id: s.id, sales_updated_at: s.updatedAt }));
  const all = ['sales_updated_at', ...columns];
  const applied = returnedRows<{ id: string }>(
    await em.query(
      `INSERT INTO ${t.table} (tenant_id, id, ${all.join(', ')})
       SELECT $1, s.id, ${all.map((c) => `s.${c}`).join(', ')} FROM jsonb_populate_recordset(NULL::${t.table}, $2::jsonb) s
        ORDER BY s.id
       ON CONFLICT (tenant_id, id) DO UPDATE SET ${all.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, projected_at = now()
         WHERE ${t.table}.sales_updated_at IS NULL OR ${t.table}.sales_updated_at <= EXCLUDED.sales_updated_at
       RETURNING id`,
      [tenantId, JSON.stringify(rows)],
    ),
  );
  return applied.map((r) => r.id);
}
