import { enableTenantRls } from '@rapport/persistence';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sales' projection of identity's users (identity.user.* events), so owners
 * and assignees can be checked against real, active users of the tenant
 * without calling identity. `last_event_id` (UUID v7, time-ordered) lets an
 * older event that arrives late never overwrite a newer state.
 */
export class SalesIdentityUsers1764420000000 implements MigrationInterface {
  name = 'SalesIdentityUsers1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE identity_users (
      id uuid PRIMARY KEY,
      tenant_id uuid NOT NULL,
      email text NOT NULL,
      display_name text NOT NULL,
      roles text[] NOT NULL,
      active boolean NOT NULL,
      last_event_id uuid NOT NULL,
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX identity_users_by_tenant ON identity_users (tenant_id)`);
    await enableTenantRls(q, 'identity_users');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS identity_users`);
  }
}
