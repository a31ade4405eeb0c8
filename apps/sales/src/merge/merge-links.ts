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

/**
 * Every column in sales' schema that points at a contact or account, by the
 * migrations that create it. A new table holding such a link must be added
 * here, or a merge leaves its rows on the merged record (the customer-master
 * integration test compares this list with the schema's foreign keys).
 * Record tables are named by their `_all` table: a deleted record waiting out
 * its restore window follows the merge too, so a restore brings it back
 * pointing at the survivor (ADR 037).
 */
const LINKS: Record<MergeKind, readonly LinkSpec[]> = {
  CONTACT: [
    { table: 'contact_external_ids', column: 'contact_id', key: ['source', 'key'] },
    { table: 'opportunities_all', column: 'primary_contact_id', key: ['id'] },
    { table: 'leads_all', column: 'converted_contact_id', key: ['id'] },
    // A quote follows its customer like the opportunity it belongs to; unmerge hands it back.
    { table: 'quotes', column: 'contact_id', key: ['id'] },
    // Contacts merged earlier into a merged contact now point straight at the survivor (no chains).
    { table: 'contacts_all', column: 'merged_into', key: ['id'] },
    // Activities and timeline entries point at their subject polymorphically: the merged records'
    // tasks and history show on the survivor, and go back on unmerge.
    { table: 'activities_all', column: 'target_id', key: ['id'], where: `target_type = 'CONTACT'` },
    { table: 'timeline_entries', column: 'subject_id', key: ['id'], where: `subject_type = 'CONTACT'` },
  ],
  ACCOUNT: [
    { table: 'account_external_ids', column: 'account_id', key: ['source', 'key'] },
    { table: 'contacts_all', column: 'account_id', key: ['id'] },
    { table: 'opportunities_all', column: 'account_id', key: ['id'] },
    { table: 'leads_all', column: 'converted_account_id', key: ['id'] },
    { table: 'quotes', column: 'account_id', key: ['id'] },
    { table: 'accounts_all', column: 'merged_into', key: ['id'] },
    { table: 'activities_all', column: 'target_id', key: ['id'], where: `target_type = 'ACCOUNT'` },
    { table: 'timeline_entries', column: 'subject_id', key: ['id'], where: `subject_type = 'ACCOUNT'` },
  ],
};

/** The links a merge of this kind re-points to the survivor (and an unmerge restores). */
export function linksFor(kind: MergeKind): readonly LinkSpec[] {
  return LINKS[kind];
}

export const q = (ident: string): string => `"${ident.replace(/"/g, '""')}"`;
