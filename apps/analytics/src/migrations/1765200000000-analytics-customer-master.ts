import { backfillLegacyMerges, createMergeMembersTable } from '@rapport/customer-master';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Merges are kept as the shared customer-master log (libs/customer-master),
 * from which `merged_into` is derived, instead of a `merged_parent` column
 * this service interpreted itself. Merges applied before keep their parent
 * as legacy rows of the log.
 */
export class AnalyticsCustomerMaster1765200000000 implements MigrationInterface {
  name = 'AnalyticsCustomerMaster1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await createMergeMembersTable(q);
    await q.query(`UPDATE contacts SET merged_parent = merged_into WHERE merged_parent IS NULL AND merged_into IS NOT NULL`);
    await backfillLegacyMerges(q, 'CONTACT', 'contacts', 'merged_parent');
    await q.query(`DROP INDEX IF EXISTS contacts_by_parent`);
    await q.query(`ALTER TABLE contacts DROP COLUMN merged_parent`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contacts ADD COLUMN merged_parent uuid`);
    await q.query(`CREATE INDEX contacts_by_parent ON contacts (tenant_id, merged_parent) WHERE merged_parent IS NOT NULL`);
    await q.query(`DROP TABLE IF EXISTS customer_merge_members`);
  }
}
