import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operators disable a tenant (`npm run tenant -- disable`): its users cannot
 * sign in or refresh, its API keys cannot be exchanged, and verifiers refuse
 * its tokens from identity.tenant.disabled. The data stays; enabling clears it.
 */
export class IdentityTenantDisabled1765300000000 implements MigrationInterface {
  name = 'IdentityTenantDisabled1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants ADD COLUMN disabled_at timestamptz(3) NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tenants DROP COLUMN disabled_at`);
  }
}
