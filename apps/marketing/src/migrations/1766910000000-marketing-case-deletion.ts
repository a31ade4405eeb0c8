import { addCaseDeletionColumns, dropCaseDeletionColumns } from '@rapport/customer-master';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Marketing's contact_cases learns service's case deletions (ADR 037): a deleted
 * case counts for nobody while it waits in the restore window and for good
 * once purged; a restore brings it back as it stood.
 */
export class MarketingCaseDeletion1766910000000 implements MigrationInterface {
  name = 'MarketingCaseDeletion1766910000000';

  async up(q: QueryRunner): Promise<void> {
    await addCaseDeletionColumns(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropCaseDeletionColumns(q);
  }
}
