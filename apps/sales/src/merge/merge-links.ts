import type { EntityManager } from 'typeorm';

export type MergeKind = 'CONTACT' | 'ACCOUNT';

/** A column elsewhere that points at a contact or account and is re-pointed to the survivor on merge. */
export interface LinkSpec {
  table: string;
  column: string;
  /** Columns identifying a row (tenant is implied by row-level security). */
  key: string[];
  /** Extra condition on the rows, e.g. a polymorphic target type; trusted SQL, no parameters. */
  where?: string;
}

const STATIC_LINKS: Record<MergeKind, LinkSpec[]> = {
  CONTACT: [
    { table: 'contact_external_ids', column: 'contact_id', key: ['source', 'key'] },
    { table: 'opportunities', column: 'primary_contact_id', key: ['id'] },
    { table: 'leads', column: 'converted_contact_id', key: ['id'] },
    // Contacts merged earlier into a merged contact now point straight at the survivor (no chains).
    { table: 'contacts', column: 'merged_into', key: ['id'] },
  ],
  ACCOUNT: [
    { table: 'contacts', column: 'account_id', key: ['id'] },
    { table: 'opportunities', column: 'account_id', key: ['id'] },
    { table: 'leads', column: 'converted_account_id', key: ['id'] },
    { table: 'accounts', column: 'merged_into', key: ['id'] },
  ],
};

/**
 * EXTENSION POINT — activities (being added in parallel): if an `activities`
 * table exists in this schema at run time, its links to the merged records are
 * re-pointed (and restored on unmerge) too. Supported shapes: a direct
 * `contact_id` / `account_id` column, or a polymorphic `target_type` +
 * `target_id` pair with target_type 'CONTACT' / 'ACCOUNT'. Add other shapes here.
 */
export async function activityLinks(em: EntityManager, kind: MergeKind): Promise<LinkSpec[]> {
  const columns: string[] = (
    await em.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'activities'`)
  ).map((r: { column_name: string }) => r.column_name);
  if (!columns.includes('id')) return [];
  const direct = kind === 'CONTACT' ? 'contact_id' : 'account_id';
  const links: LinkSpec[] = [];
  if (columns.includes(direct)) links.push({ table: 'activities', column: direct, key: ['id'] });
  if (columns.includes('target_type') && columns.includes('target_id')) {
    links.push({ table: 'activities', column: 'target_id', key: ['id'], where: `target_type = '${kind}'` });
  }
  return links;
}

/**
 * The customer timeline (timeline_entries, subject_type/subject_id), when present: the merged records'
 * history shows on the survivor's timeline, and goes back on unmerge.
 */
export async function timelineLinks(em: EntityManager, kind: MergeKind): Promise<LinkSpec[]> {
  const columns: string[] = (
    await em.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'timeline_entries'`,
    )
  ).map((r: { column_name: string }) => r.column_name);
  return ['id', 'subject_type', 'subject_id'].every((c) => columns.includes(c))
    ? [{ table: 'timeline_entries', column: 'subject_id', key: ['id'], where: `subject_type = '${kind}'` }]
    : [];
}

export async function linksFor(em: EntityManager, kind: MergeKind): Promise<LinkSpec[]> {
  return [...STATIC_LINKS[kind], ...(await activityLinks(em, kind)), ...(await timelineLinks(em, kind))];
}

export const q = (ident: string): string => `"${ident.replace(/"/g, '""')}"`;
