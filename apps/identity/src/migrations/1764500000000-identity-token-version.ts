import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A per-user token version, carried in access tokens (claim `ver`) and raised
 * when a user's roles change or they are deactivated, so verifiers can refuse
 * older tokens at once (docs/adr/013-revocation.md). Existing users start at
 * 0, which is what tokens issued before this migration count as.
 */
export class IdentityTokenVersion1764500000000 implements MigrationInterface {
  name = 'IdentityTokenVersion1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN token_version`);
  }
}
