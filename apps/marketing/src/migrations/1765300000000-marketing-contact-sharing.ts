import { createIdentityUsersTable, dropIdentityUsersTable } from '@rapport/service-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The CONTACT sharing rule reaches marketing's Contact fields (ADR 016): identity's users are projected to know each user's team. */
export class MarketingContactSharing1765300000000 implements MigrationInterface {
  name = 'MarketingContactSharing1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await createIdentityUsersTable(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await dropIdentityUsersTable(q);
  }
}
