import { createIdentityUsersTable, dropIdentityUsersTable } from '@rapport/service-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The CONTACT sharing rule reaches analytics' Contact fields (ADR 016): the
 * contact copy keeps its owner (filled by the next snapshot of each contact,
 * or a replay of the sales stream), and identity's users are projected to
 * know each user's team.
 */
export class AnalyticsContactSharing1765300000000 implements MigrationInterface {
  name = 'AnalyticsContactSharing1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contacts ADD COLUMN owner_id uuid`);
    await createIdentityUsersTable(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropIdentityUsersTable(q);
    await q.query(`ALTER TABLE contacts DROP COLUMN owner_id`);
  }
}
