import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each user may have a manager (another user of the tenant). Sharing rules
 * (docs/adr/016-sharing-rules.md) let managers see and change the records
 * their reports own; the other services learn the line from the user
 * snapshots in identity.user.* events. Deleting a manager leaves the reports
 * without one rather than blocking the delete.
 */
export class IdentityUserManager1765100000000 implements MigrationInterface {
  name = 'IdentityUserManager1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN manager_id uuid NULL REFERENCES users (id) ON DELETE SET NULL`);
    await q.query(`CREATE INDEX users_by_manager ON users (tenant_id, manager_id) WHERE manager_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS users_by_manager`);
    await q.query(`ALTER TABLE users DROP COLUMN manager_id`);
  }
}
