import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failed sign-ins per account (tenant slug and email, hashed, whether or not
 * such a user exists) and per client address, shared by every identity
 * replica (LoginThrottle). Not tenant data: a sign-in has no tenant yet, and
 * an unknown tenant's attempts must count too.
 */
export class IdentityLoginThrottle1765200000000 implements MigrationInterface {
  name = 'IdentityLoginThrottle1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE login_throttle (
      key text PRIMARY KEY,
      failures integer NOT NULL,
      window_started_at timestamptz(3) NOT NULL,
      locked_until timestamptz(3)
    )`);
    // The clean-up finds rows whose window and lock are over.
    await q.query(`CREATE INDEX login_throttle_window ON login_throttle (window_started_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS login_throttle`);
  }
}
