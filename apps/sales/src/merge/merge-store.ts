import type { EntityManager } from 'typeorm';
import { linksFor, q, type MergeKind } from './merge-links';
import type { LinkImage, Row } from './merge-plan';

/** The SQL of merging and unmerging, in the caller's tenant transaction. */

/** Full rows as JSON, locked in id order so concurrent merges of overlapping sets cannot deadlock. */
export async function lockRecords(em: EntityManager, table: string, ids: string[]): Promise<Row[]> {
  const rows: { row: Row }[] = await em.query(
    `SELECT to_jsonb(t) AS row FROM ${table} t WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  return rows.map((r) => r.row);
}

/** Full rows as JSON, in the order of `ids` (missing ones undefined). */
export async function images(em: EntityManager, table: string, ids: string[]): Promise<Row[]> {
  const rows: { row: Row }[] = await em.query(`SELECT to_jsonb(t) AS row FROM ${table} t WHERE id = ANY($1::uuid[])`, [ids]);
  const byId = new Map(rows.map((r) => [r.row.id as string, r.row]));
  return ids.map((id) => byId.get(id) as Row);
}

/** Sets columns from JSON values, converted to the column types by jsonb_populate_record. */
export async function updateColumns(em: EntityManager, table: string, id: string, values: Row): Promise<void> {
  const cols = Object.keys(values);
  if (cols.length === 0) return;
  await em.query(
    `UPDATE ${table} t SET (${cols.map(q).join(', ')}) = ROW(${cols.map((c) => `r.${q(c)}`).join(', ')})
     FROM jsonb_populate_record(NULL::${table}, $1::jsonb) r WHERE t.id = $2`,
    [JSON.stringify(values), id],
  );
}

/** Re-points every link to the merged records at the survivor; returns the rows re-pointed, with where they pointed before. */
export async function repointLinks(em: EntityManager, kind: MergeKind, survivorId: string, mergedIds: string[]): Promise<LinkImage[]> {
  const links: LinkImage[] = [];
  for (const link of linksFor(kind)) {
    const keyCols = link.key.map(q).join(', ');
    const found: { key: Row; from: string }[] = await em.query(
      `SELECT jsonb_build_object(${link.key.map((k) => `'${k}', ${q(k)}`).join(', ')}) AS key, ${q(link.column)}::text AS from
       FROM ${q(link.table)} WHERE ${q(link.column)} = ANY($1::uuid[])${link.where ? ` AND ${link.where}` : ''} ORDER BY ${keyCols}`,
      [mergedIds],
    );
    for (const f of found) links.push({ table: link.table, column: link.column, key: f.key, where: link.where, from: f.from });
    await em.query(
      `UPDATE ${q(link.table)} SET ${q(link.column)} = $1 WHERE ${q(link.column)} = ANY($2::uuid[])${link.where ? ` AND ${link.where}` : ''}`,
      [survivorId, mergedIds],
    );
  }
  return links;
}

/**
 * The re-pointed rows still on the survivor, locked for the restore. A row
 * deleted since, or moved elsewhere by a later edit, stays as it is: the
 * later change wins over the undo.
 */
export async function linksStillOnSurvivor(em: EntityManager, links: LinkImage[], survivorId: string): Promise<LinkImage[]> {
  const still: LinkImage[] = [];
  for (const l of links) {
    const keys = Object.keys(l.key);
    const cond = keys.map((k, i) => `${q(k)}::text = $${i + 1}`).join(' AND ');
    const [row] = await em.query(
      `SELECT ${q(l.column)}::text AS v FROM ${q(l.table)} WHERE ${cond} FOR UPDATE`,
      keys.map((k) => String(l.key[k])),
    );
    if (row?.v === survivorId) still.push(l);
  }
  return still;
}

/** Points re-pointed rows back at the merged record each came from. */
export async function restoreLinks(em: EntityManager, links: LinkImage[]): Promise<void> {
  for (const l of links) {
    const keys = Object.keys(l.key);
    const cond = keys.map((k, i) => `${q(k)}::text = $${i + 2}`).join(' AND ');
    await em.query(`UPDATE ${q(l.table)} SET ${q(l.column)} = $1 WHERE ${cond}`, [l.from, ...keys.map((k) => String(l.key[k]))]);
  }
}
