import { createMergeMembersTable } from '@rapport/customer-master';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Service's customer master moves onto the shared library
 * (libs/customer-master): merges are kept in its order-independent log and
 * `merged_into` holds the survivor itself (flat) instead of the next link of
 * a chain. A case keeps the contact and account it was opened for
 * (`named_*`) and stands at their survivor, so a merge or unmerge re-points
 * it by recomputing, not by a journal of before-images. The merged
 * survivor's stand-in tier is read from the group instead of copied.
 */
export class ServiceCustomerMasterLog1765200000000 implements MigrationInterface {
  name = 'ServiceCustomerMasterLog1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await createMergeMembersTable(q);
    await q.query(
      `INSERT INTO customer_merge_members (tenant_id, kind, merge_id, member_id, survivor_id, merged_at, unmerged_at)
       SELECT m.tenant_id, m.kind, m.id, u.id, m.survivor_id, m.applied_at, m.unmerged_at
         FROM customer_merges m CROSS JOIN LATERAL unnest(m.merged_ids) AS u(id)
       ON CONFLICT DO NOTHING`,
    );

    await q.query(`ALTER TABLE cases ADD COLUMN named_contact_id uuid, ADD COLUMN named_account_id uuid`);
    // What a case was opened for: the first link of its journal chain still in force, else where it stands.
    for (const [column, target] of [
      ['named_contact_id', 'cases.contact_id'],
      ['named_account_id', 'cases.account_id'],
    ]) {
      await q.query(
        `UPDATE cases c SET ${column} = l.from_id
           FROM (SELECT DISTINCT ON (l.row_id) l.row_id, l.from_id FROM customer_merge_links l
                   JOIN customer_merges m ON m.tenant_id = l.tenant_id AND m.id = l.merge_id
                  WHERE l.target = '${target}' AND m.unmerged_at IS NULL
                  ORDER BY l.row_id, m.applied_at, m.id) l
          WHERE c.id = l.row_id`,
      );
    }
    await q.query(`UPDATE cases SET named_contact_id = contact_id WHERE named_contact_id IS NULL`);
    await q.query(`UPDATE cases SET named_account_id = account_id WHERE named_account_id IS NULL`);
    await q.query(`CREATE INDEX cases_by_named_contact ON cases (tenant_id, named_contact_id)`);
    await q.query(`CREATE INDEX cases_by_named_account ON cases (tenant_id, named_account_id) WHERE named_account_id IS NOT NULL`);
    // A contact keeps the account sales gave it; account merges are followed on read.
    await q.query(
      `UPDATE customer_contacts c SET account_id = l.from_id
         FROM (SELECT DISTINCT ON (l.row_id) l.row_id, l.from_id FROM customer_merge_links l
                 JOIN customer_merges m ON m.tenant_id = l.tenant_id AND m.id = l.merge_id
                WHERE l.target = 'customer_contacts.account_id' AND m.unmerged_at IS NULL
                ORDER BY l.row_id, m.applied_at, m.id) l
        WHERE c.id = l.row_id`,
    );
    // Copied stand-in tiers go: the survivor's tier falls back to its group's on read.
    await q.query(
      `DELETE FROM contact_tiers t USING customer_merges m
        WHERE m.tenant_id = t.tenant_id AND m.survivor_id = t.contact_id AND m.unmerged_at IS NULL AND m.tier_copied IS NOT NULL
          AND t.tier = m.tier_copied->>'tier' AND t.changed_at = (m.tier_copied->>'changedAt')::timestamptz`,
    );

    for (const table of ['customer_contacts', 'customer_accounts']) {
      // Flatten: each record points at the end of its chain.
      await q.query(
        `WITH RECURSIVE walk(id, tenant_id, at, depth) AS (
           SELECT id, tenant_id, merged_into, 1 FROM ${table} WHERE merged_into IS NOT NULL
           UNION ALL
           SELECT w.id, w.tenant_id, r.merged_into, w.depth + 1 FROM walk w
             JOIN ${table} r ON r.tenant_id = w.tenant_id AND r.id = w.at
            WHERE r.merged_into IS NOT NULL AND w.depth < 64)
         UPDATE ${table} t SET merged_into = f.root
           FROM (SELECT DISTINCT ON (tenant_id, id) tenant_id, id, at AS root FROM walk ORDER BY tenant_id, id, depth DESC) f
          WHERE t.tenant_id = f.tenant_id AND t.id = f.id`,
      );
      await q.query(`DROP INDEX IF EXISTS ${table}_by_merge`);
      await q.query(`ALTER TABLE ${table} DROP COLUMN merge_id`);
      await q.query(`CREATE INDEX ${table}_by_survivor ON ${table} (tenant_id, merged_into) WHERE merged_into IS NOT NULL`);
    }
    await q.query(`DROP TABLE customer_merge_links`);
    await q.query(`DROP TABLE customer_merges`);
  }

  async down(): Promise<void> {
    throw new Error('ServiceCustomerMasterLog1765200000000 cannot be reverted: the merge journal it replaced is gone; restore a backup');
  }
}
