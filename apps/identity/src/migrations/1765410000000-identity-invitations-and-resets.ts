import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitations and password resets: one-time links sent by email
 * (docs/adr/027-account-emails.md). Only a SHA-256 of each link's token is
 * kept, so a copy of the table opens no account. A link works once: the
 * row is consumed by one conditional UPDATE.
 */
export class IdentityInvitationsAndResets1765410000000 implements MigrationInterface {
  name = 'IdentityInvitationsAndResets1765410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE invitations (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL REFERENCES tenants(id),
      email text NOT NULL,
      roles text[] NOT NULL,
      contact_id uuid,
      manager_id uuid,
      token_hash text NOT NULL UNIQUE,
      expires_at timestamptz(3) NOT NULL,
      invited_by_kind text NOT NULL,
      invited_by text,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      accepted_at timestamptz(3),
      revoked_at timestamptz(3),
      user_id uuid REFERENCES users(id)
    )`);
    // One open invitation per address: inviting again revokes the earlier one in the same transaction.
    await q.query(
      `CREATE UNIQUE INDEX invitations_open_per_email ON invitations (tenant_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL`,
    );
    await enableTenantRls(q, 'invitations');

    await q.query(`CREATE TABLE password_resets (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL REFERENCES tenants(id),
      user_id uuid NOT NULL REFERENCES users(id),
      token_hash text NOT NULL UNIQUE,
      expires_at timestamptz(3) NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      used_at timestamptz(3)
    )`);
    await q.query(`CREATE INDEX password_resets_user ON password_resets (user_id)`);
    await enableTenantRls(q, 'password_resets');

    // Reset requests per account (tenant and email as typed, hashed, whether or not it exists) and per address.
    // Not tenant data, like login_throttle: a request names a tenant that may not exist.
    await q.query(`CREATE TABLE password_reset_throttle (
      key text PRIMARY KEY,
      requests integer NOT NULL,
      window_started_at timestamptz(3) NOT NULL
    )`);
    await q.query(`CREATE INDEX password_reset_throttle_window ON password_reset_throttle (window_started_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['password_reset_throttle', 'password_resets', 'invitations']) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
