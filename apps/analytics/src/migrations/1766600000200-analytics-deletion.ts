import { addDeletionColumns } from '@rapport/customer-master';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Analytics' copy of the contacts learns sales' deletions (ADR 037): a
 * deleted contact leaves the rankings (topCustomers, worstCustomers,
 * cantLoseThem) while it is deleted and for good once purged; its orders and
 * the aggregates built on them stay.
 */
export class AnalyticsDeletion1766600000200 implements MigrationInterface {
  name = 'AnalyticsDeletion1766600000200';

  async up(q: QueryRunner): Promise<void> {
    await addDeletionColumns(q, 'contacts');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contacts DROP COLUMN deleted_at, DROP COLUMN deletion_id, DROP COLUMN purged_at`);
  }
}
