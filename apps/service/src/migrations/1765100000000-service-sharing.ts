import { createIdentityUsersTable, dropIdentityUsersTable } from '@rapport/service-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sharing rules for cases (docs/adr/016-sharing-rules.md): service now keeps
 * a projection of identity's users to know each user's manager, and every
 * case list and count under a PRIVATE rule filters on the owner, so cases
 * get an owner index for all statuses (the existing one covers open cases).
 */
export class ServiceSharing1765100000000 implements MigrationInterface {
  name = 'ServiceSharing1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await createIdentityUsersTable(q);
    await q.query(`CREATE INDEX cases_by_owner ON cases (tenant_id, owner_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS cases_by_owner`);
    await dropIdentityUsersTable(q);
  }
}
