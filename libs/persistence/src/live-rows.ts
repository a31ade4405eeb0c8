import type { QueryRunner } from 'typeorm';
import { quoteIdent } from './data-source';

/** The table that holds every row of a record table whose deleted rows are hidden: `<table>_all`. */
export function allRowsTable(table: string): string {
  return `${table}_all`;
}

/**
 * Migration helper: deleted records leave every ordinary query without each
 * query having to remember it. The table becomes `<table>_all` (its rows,
 * keys, indexes, policies and the foreign keys that point at it move along)
 * with `deleted_at` and `deletion_id`, and `<table>` becomes a view of the
 * rows not deleted. The view is simple, so Postgres writes through it
 * (INSERT … ON CONFLICT, UPDATE, DELETE, SELECT … FOR UPDATE), and it runs
 * with the caller's rights (`security_invoker`), so the table's row-level
 * security still applies. Code that must see deleted rows (restore, the
 * purge job, personal-data export and erasure) names `<table>_all`.
 *
 * A view's columns are fixed when it is made: a later migration adding a
 * column alters `<table>_all` and calls `recreateLiveView`.
 */
export async function hideDeletedRows(q: QueryRunner, table: string): Promise<void> {
  const all = quoteIdent(allRowsTable(table));
  await q.query(`ALTER TABLE ${quoteIdent(table)} RENAME TO ${all}`);
  await q.query(`ALTER TABLE ${all} ADD COLUMN deleted_at timestamptz(3), ADD COLUMN deletion_id uuid`);
  await recreateLiveView(q, table);
}

/** (Re)creates the view `<table>` of the rows of `<table>_all` that are not deleted. */
export async function recreateLiveView(q: QueryRunner, table: string): Promise<void> {
  await q.query(`DROP VIEW IF EXISTS ${quoteIdent(table)}`);
  await q.query(
    `CREATE VIEW ${quoteIdent(table)} WITH (security_invoker = true) AS SELECT * FROM ${quoteIdent(allRowsTable(table))} WHERE deleted_at IS NULL`,
  );
}

/** Undoes `hideDeletedRows`: deleted rows are dropped (they would otherwise come back as live ones). */
export async function showAllRows(q: QueryRunner, table: string): Promise<void> {
  const all = quoteIdent(allRowsTable(table));
  await q.query(`DROP VIEW IF EXISTS ${quoteIdent(table)}`);
  await q.query(`DELETE FROM ${all} WHERE deleted_at IS NOT NULL`);
  await q.query(`ALTER TABLE ${all} DROP COLUMN deleted_at, DROP COLUMN deletion_id`);
  await q.query(`ALTER TABLE ${all} RENAME TO ${quoteIdent(table)}`);
}
