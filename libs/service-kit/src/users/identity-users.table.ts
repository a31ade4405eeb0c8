import { enableTenantRls } from '@rapport/persistence';
import type { QueryRunner } from 'typeorm';

/**
 * A service's projection of identity's users (identity.user.* events through
 * IdentityUsersConsumer): who exists, their roles, whether they are active,
 * and their manager, so owners and teams are known without calling identity.
 * `last_event_id` (UUID v7, time-ordered) lets an older event that arrives
 * late never overwrite a newer state.
 */
export async function createIdentityUsersTable(q: QueryRunner): Promise<void> {
  await q.query(`CREATE TABLE identity_users (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    email text NOT NULL,
    display_name text NOT NULL,
    roles text[] NOT NULL,
    active boolean NOT NULL,
    manager_id uuid NULL,
    last_event_id uuid NOT NULL,
    updated_at timestamptz(3) NOT NULL DEFAULT now()
  )`);
  await q.query(`CREATE INDEX identity_users_by_tenant ON identity_users (tenant_id)`);
  await createIdentityUsersManagerIndex(q);
  await enableTenantRls(q, 'identity_users');
}

/** Teams are walked from a manager down to their reports. */
export async function createIdentityUsersManagerIndex(q: QueryRunner): Promise<void> {
  await q.query(`CREATE INDEX identity_users_by_manager ON identity_users (tenant_id, manager_id) WHERE manager_id IS NOT NULL`);
}

export async function dropIdentityUsersTable(q: QueryRunner): Promise<void> {
  await q.query(`DROP TABLE IF EXISTS identity_users`);
}
