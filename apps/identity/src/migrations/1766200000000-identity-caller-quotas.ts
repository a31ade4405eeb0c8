import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A request quota per minute for a user or an API key, set by the tenant's
 * admin (setCallerQuota). Null is the operator's default
 * (RATE_LIMIT_PER_MINUTE at the gateway). Tokens carry it (claim `rpm`), so
 * every gateway replica counts against the same quota without asking.
 */
export class IdentityCallerQuotas1766200000000 implements MigrationInterface {
  name = 'IdentityCallerQuotas1766200000000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['users', 'api_keys']) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN rate_per_minute integer CHECK (rate_per_minute > 0)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['users', 'api_keys']) await q.query(`ALTER TABLE ${table} DROP COLUMN rate_per_minute`);
  }
}
