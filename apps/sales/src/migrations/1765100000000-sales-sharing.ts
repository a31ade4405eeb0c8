import { createIdentityUsersManagerIndex } from '@rapport/service-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sharing rules (docs/adr/016-sharing-rules.md): the projection learns each
 * user's manager, so a manager's team can be walked; contacts and accounts
 * get the owner index leads and opportunities already have, because a
 * PRIVATE rule adds `owner_id = ANY(…)` to every list and count.
 */
export class SalesSharing1765100000000 implements MigrationInterface {
  name = 'SalesSharing1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity_users ADD COLUMN manager_id uuid NULL`);
    await createIdentityUsersManagerIndex(q);
    await q.query(`CREATE INDEX contacts_by_owner ON contacts (tenant_id, owner_id)`);
    await q.query(`CREATE INDEX accounts_by_owner ON accounts (tenant_id, owner_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS accounts_by_owner`);
    await q.query(`DROP INDEX IF EXISTS contacts_by_owner`);
    await q.query(`DROP INDEX IF EXISTS identity_users_by_manager`);
    await q.query(`ALTER TABLE identity_users DROP COLUMN manager_id`);
  }
}
