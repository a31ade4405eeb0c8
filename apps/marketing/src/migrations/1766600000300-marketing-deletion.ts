import { addDeletionColumns } from '@rapport/customer-master';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Marketing's copy of the contacts learns sales' deletions (ADR 037): a
 * deleted contact leaves every segment and audience and is sent nothing
 * while it is deleted, and for good once purged; a restore brings it back.
 */
export class MarketingDeletion1766600000300 implements MigrationInterface {
  name = 'MarketingDeletion1766600000300';

  async up(q: QueryRunner): Promise<void> {
    await addDeletionColumns(q, 'contacts');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contacts DROP COLUMN deleted_at, DROP COLUMN deletion_id, DROP COLUMN purged_at`);
  }
}
