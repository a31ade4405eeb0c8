import type { EntityManager } from 'typeorm';
import { withNamesPruned } from '../duplicates/contact-names';
import { forgetMergeImages } from '../merge/merge-images';

/** A record together with the records merged into it (hidden since the merge, they go when it goes). */
async function withMergedMembers(em: EntityManager, table: 'contacts_all' | 'accounts_all', ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows: { id: string }[] = await em.query(
    `WITH RECURSIVE members(id) AS (
       SELECT unnest($1::uuid[])
       UNION SELECT t.id FROM ${table} t JOIN members m ON t.merged_into = m.id
     ) SELECT id FROM members`,
    [ids],
  );
  return rows.map((r) => r.id);
}

/** Deletes opportunities for good, with their quotes and activities; converted leads forget them. */
export async function purgeOpportunities(em: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await em.query(`UPDATE leads_all SET converted_opportunity_id = NULL WHERE converted_opportunity_id = ANY($1::uuid[])`, [ids]);
  await em.query(`DELETE FROM quotes WHERE opportunity_id = ANY($1::uuid[])`, [ids]);
  await em.query(`DELETE FROM activities_all WHERE target_type = 'OPPORTUNITY' AND target_id = ANY($1::uuid[])`, [ids]);
  await em.query(`DELETE FROM opportunities_all WHERE id = ANY($1::uuid[])`, [ids]);
}

/**
 * Deletes contacts for good, with what was merged into them, their external
 * ids, activities, timeline, the merge journal's images of them and names no other contact has; deals, quotes and
 * converted leads that named them stay and name no one.
 */
export async function purgeContacts(em: EntityManager, ids: readonly string[]): Promise<void> {
  const all = await withMergedMembers(em, 'contacts_all', ids);
  if (all.length === 0) return;
  // Their names leave the duplicate rule's table of distinct names unless another contact has them.
  await withNamesPruned(em, () => purgeContactRows(em, all));
}

async function purgeContactRows(em: EntityManager, all: string[]): Promise<void> {
  await em.query(`UPDATE opportunities_all SET primary_contact_id = NULL WHERE primary_contact_id = ANY($1::uuid[])`, [all]);
  await em.query(`UPDATE quotes SET contact_id = NULL WHERE contact_id = ANY($1::uuid[])`, [all]);
  await em.query(`UPDATE leads_all SET converted_contact_id = NULL WHERE converted_contact_id = ANY($1::uuid[])`, [all]);
  await em.query(`DELETE FROM activities_all WHERE target_type = 'CONTACT' AND target_id = ANY($1::uuid[])`, [all]);
  await em.query(`DELETE FROM timeline_entries WHERE subject_type = 'CONTACT' AND subject_id = ANY($1::uuid[])`, [all]);
  // The merge journal's whole-row images of them go too; the merges' ids stay (ADR 054).
  await forgetMergeImages(em, 'CONTACT', all, 'PURGED');
  await em.query(`DELETE FROM contacts_all WHERE id = ANY($1::uuid[])`, [all]);
}

/**
 * Deletes accounts for good, with what was merged into them. Contacts
 * deleted on their own earlier lose the account (a later restore brings them
 * back without it); opportunities deleted on their own earlier cannot be
 * without it and go too. Returns those opportunities, whose bin entries go as well.
 */
export async function purgeAccounts(em: EntityManager, ids: readonly string[]): Promise<string[]> {
  const all = await withMergedMembers(em, 'accounts_all', ids);
  if (all.length === 0) return [];
  await em.query(`UPDATE contacts_all SET account_id = NULL WHERE account_id = ANY($1::uuid[])`, [all]);
  const orphans: { id: string }[] = await em.query(`SELECT id FROM opportunities_all WHERE account_id = ANY($1::uuid[])`, [all]);
  await purgeOpportunities(
    em,
    orphans.map((o) => o.id),
  );
  await em.query(`DELETE FROM quotes WHERE account_id = ANY($1::uuid[])`, [all]);
  await em.query(`UPDATE leads_all SET converted_account_id = NULL WHERE converted_account_id = ANY($1::uuid[])`, [all]);
  await em.query(`DELETE FROM activities_all WHERE target_type = 'ACCOUNT' AND target_id = ANY($1::uuid[])`, [all]);
  await em.query(`DELETE FROM timeline_entries WHERE subject_type = 'ACCOUNT' AND subject_id = ANY($1::uuid[])`, [all]);
  await forgetMergeImages(em, 'ACCOUNT', all, 'PURGED');
  await em.query(`DELETE FROM accounts_all WHERE id = ANY($1::uuid[])`, [all]);
  return orphans.map((o) => o.id);
}

/** Deletes leads for good, with their activities; deals converted from them keep their amounts and forget the lead. */
export async function purgeLeads(em: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await em.query(`UPDATE opportunities_all SET lead_id = NULL WHERE lead_id = ANY($1::uuid[])`, [ids]);
  await em.query(`DELETE FROM activities_all WHERE target_type = 'LEAD' AND target_id = ANY($1::uuid[])`, [ids]);
  await em.query(`DELETE FROM leads_all WHERE id = ANY($1::uuid[])`, [ids]);
}

export async function purgeActivities(em: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await em.query(`DELETE FROM activities_all WHERE id = ANY($1::uuid[])`, [ids]);
}

/** Deletes products for good with their prices (a quoted product is never deleted: deleteProduct refuses it). */
export async function purgeProducts(em: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await em.query(`DELETE FROM price_book_entries WHERE product_id = ANY($1::uuid[])`, [ids]);
  await em.query(`DELETE FROM products_all WHERE id = ANY($1::uuid[])`, [ids]);
}
